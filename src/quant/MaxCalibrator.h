#pragma once
// Running abs-max of everything seen (pytorch-quantization's MaxCalibrator), per-tensor or per-axis.
// Everything stays on the device: collect() never waits for the host.
#include <optional>

#include "quant/Calibrator.h"

namespace cpq {

class MaxCalibrator : public Calibrator {
 public:
  // axis: empty for one amax; else the axis that keeps its own amax (amax has x's rank, size 1 elsewhere).
  explicit MaxCalibrator(std::optional<int64_t> axis = std::nullopt);

  void collect(const at::Tensor& x) override;
  // The running max whatever options.method says (a max calibrator has nothing else to offer).
  at::Tensor computeAmax(const AmaxOptions& options) const override;
  CalibrationStats stats() const override;  // reads maxAbs from the device
  void reset() override;

  const std::optional<int64_t>& axis() const { return axis_; }

 private:
  std::optional<int64_t> axis_;
  at::Tensor amax_;  // float32 running max, undefined before the first non-empty batch
  int64_t batches_ = 0;
  int64_t elements_ = 0;
};

}  // namespace cpq
