#include "decode/BevGrid.h"

#include <cmath>

namespace cpq {

int64_t BevGrid::cellOf(float v) const {
  constexpr double kLimit = 1e9;  // cells; keeps the 32-bit halves of the key apart
  const double c = std::floor(static_cast<double>(v) / cellSize_);
  if (!(c > -kLimit)) return static_cast<int64_t>(-kLimit);
  return static_cast<int64_t>(c < kLimit ? c : kLimit);
}

}  // namespace cpq
