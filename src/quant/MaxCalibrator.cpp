#include "quant/MaxCalibrator.h"

#include <string>
#include <vector>

#include "core/Error.h"

namespace cpq {

namespace {

std::string shapeString(at::IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

}  // namespace

MaxCalibrator::MaxCalibrator(std::optional<int64_t> axis) : axis_(axis) {}

void MaxCalibrator::collect(const at::Tensor& input) {
  const at::Tensor x = input.detach();
  ++batches_;
  elements_ += x.numel();
  if (x.numel() == 0) return;
  at::Tensor batchMax;
  if (!axis_) {
    // max |x| = max(max x, -min x): one read of x, no |x| tensor.
    const auto [lo, hi] = at::aminmax(x);
    batchMax = at::maximum(hi, lo.neg());
  } else {
    const int64_t rank = x.dim();
    const int64_t axis = *axis_ < 0 ? *axis_ + rank : *axis_;
    if (axis < 0 || axis >= rank) {
      throw Error("max calibrator: axis " + std::to_string(*axis_) +
                  " is out of range for a tensor of shape " + shapeString(x.sizes()));
    }
    std::vector<int64_t> dims;
    for (int64_t d = 0; d < rank; ++d) {
      if (d != axis) dims.push_back(d);
    }
    // at::amax over no dims would reduce everything: a 1-D tensor's per-element max is |x| itself.
    batchMax = dims.empty() ? x.abs()
                            : at::maximum(at::amax(x, dims, /*keepdim=*/true),
                                          at::amin(x, dims, /*keepdim=*/true).neg());
  }
  batchMax = batchMax.to(at::kFloat);
  if (!amax_.defined()) {
    amax_ = batchMax;
    return;
  }
  if (amax_.sizes() != batchMax.sizes()) {
    throw Error("max calibrator: per-axis amax shape changed from " + shapeString(amax_.sizes()) + " to " +
                shapeString(batchMax.sizes()));
  }
  amax_ = at::maximum(amax_, batchMax);
}

at::Tensor MaxCalibrator::computeAmax(const AmaxOptions& options) const {
  (void)options;
  if (!amax_.defined()) throw Error("max calibrator: computeAmax before any data was collected");
  return amax_.clone();
}

CalibrationStats MaxCalibrator::stats() const {
  CalibrationStats s;
  s.batches = batches_;
  s.elements = elements_;
  if (amax_.defined()) s.maxAbs = amax_.max().item<double>();
  return s;
}

void MaxCalibrator::reset() {
  amax_ = at::Tensor();
  batches_ = 0;
  elements_ = 0;
}

}  // namespace cpq
