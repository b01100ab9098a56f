#pragma once
// The float32 sum of a strided row, grouped exactly as PyTorch's CPU `sum` kernel groups it, so that a
// hand-written loop reproduces `features[:, :, :3].sum(dim=1)` of mmdet3d's PillarFeatureNet bit for bit.
//
// Why hand-written: float addition is not associative, and ATen does not add the 32 slots of a pillar
// left to right. For a reduction over a strided dim with fewer than 4 outputs side by side (x, y, z),
// ATen's cascade_sum (aten/src/ATen/native/cpu/SumKernel.cpp, `row_sum` and `multi_row_sum`) keeps 4
// interleaved float accumulators (element i goes to i % 4), each summed in chunks of 16 with a 4-level
// cascade, adds the leftover elements to the first, then folds the 4 together left to right.
// tests/preprocess/TorchSumOrderTest.cpp checks this bit for bit against at::sum of the linked libtorch; if a
// libtorch upgrade changes the kernel, that test says so. (CUDA sums in another order: features computed
// on a GPU by AWML can differ from these in the last bit of the cluster offsets.)
#include <algorithm>
#include <array>
#include <cstdint>

namespace cpq {
namespace torch_sum_order {

inline int64_t ceilLog2(int64_t x) {  // c10 utils::CeilLog2: 1 for x <= 2
  if (x <= 2) return 1;
  int64_t bits = 0;
  for (uint64_t v = static_cast<uint64_t>(x) - 1; v != 0; v >>= 1) ++bits;
  return bits;
}

// `rows` sums side by side: sum k adds x[i * rowStride + k * colStride] over i < size.
template <int64_t rows>
std::array<float, rows> multiRowSum(const float* x, int64_t rowStride, int64_t colStride, int64_t size) {
  constexpr int64_t kLevels = 4;
  const int64_t levelPower = std::max<int64_t>(4, ceilLog2(size) / kLevels);
  const int64_t levelStep = int64_t{1} << levelPower;
  const int64_t levelMask = levelStep - 1;
  float acc[kLevels][rows] = {};

  int64_t i = 0;
  while (i + levelStep <= size) {
    for (int64_t j = 0; j < levelStep; ++j, ++i) {
      for (int64_t k = 0; k < rows; ++k) acc[0][k] += x[i * rowStride + k * colStride];
    }
    for (int64_t level = 1; level < kLevels; ++level) {  // carry the finished chunk up the cascade
      for (int64_t k = 0; k < rows; ++k) {
        acc[level][k] += acc[level - 1][k];
        acc[level - 1][k] = 0.0f;
      }
      if ((i & (levelMask << (level * levelPower))) != 0) break;
    }
  }
  for (; i < size; ++i) {
    for (int64_t k = 0; k < rows; ++k) acc[0][k] += x[i * rowStride + k * colStride];
  }
  for (int64_t level = 1; level < kLevels; ++level) {
    for (int64_t k = 0; k < rows; ++k) acc[0][k] += acc[level][k];
  }
  std::array<float, rows> out{};
  for (int64_t k = 0; k < rows; ++k) out[k] = acc[0][k];
  return out;
}

// Sum of x[i * stride] for i < size, in ATen's `row_sum` order.
inline float rowSum(const float* x, int64_t stride, int64_t size) {
  constexpr int64_t kIlp = 4;
  const int64_t sizeIlp = size / kIlp;
  std::array<float, kIlp> partial = multiRowSum<kIlp>(x, stride * kIlp, stride, sizeIlp);
  for (int64_t i = sizeIlp * kIlp; i < size; ++i) partial[0] += x[i * stride];
  for (int64_t k = 1; k < kIlp; ++k) partial[0] += partial[k];
  return partial[0];
}

}  // namespace torch_sum_order
}  // namespace cpq
