#include "export/AutowareYAxisReference.h"

#include <stdexcept>

namespace cpq {

bool changedByYAxisReference(const std::string& branch) { return branch == "dim" || branch == "rot"; }

at::Tensor toYAxisReference(const std::string& branch, const at::Tensor& outputChannels) {
  const at::Tensor t = outputChannels.detach();
  if (branch == "dim") {
    if (t.size(0) != 3) throw std::logic_error("y-axis reference: the dim branch must have 3 outputs");
    return t.index_select(0, at::tensor({1, 0, 2}, at::kLong)).contiguous();
  }
  if (branch == "rot") {
    if (t.size(0) != 2) throw std::logic_error("y-axis reference: the rot branch must have 2 outputs");
    return (-t.index_select(0, at::tensor({1, 0}, at::kLong))).contiguous();
  }
  return t;
}

}  // namespace cpq
