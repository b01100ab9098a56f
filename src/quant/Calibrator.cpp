#include "quant/Calibrator.h"

#include <string>

#include "core/Error.h"
#include "quant/HistogramCalibrator.h"
#include "quant/MaxCalibrator.h"

namespace cpq {

void Calibrator::flush() {
  const std::vector<at::Tensor> maxima = pendingMaxima();
  if (maxima.empty()) return;
  // One device->host copy (and so one wait) for all pending batches.
  const at::Tensor host = at::stack(maxima).to(at::kCPU, at::kDouble).contiguous();
  const double* p = host.data_ptr<double>();
  flush(std::vector<double>(p, p + host.numel()));
}

std::unique_ptr<Calibrator> makeCalibrator(const QuantDescriptor& desc) {
  switch (desc.calibMethod) {
    case CalibrationMethod::Max:
      return std::make_unique<MaxCalibrator>(desc.axis);
    case CalibrationMethod::Histogram:
      if (desc.axis) {
        throw Error("histogram calibration is per-tensor only, but the descriptor has axis " +
                    std::to_string(*desc.axis) + " (use max calibration for per-channel amax)");
      }
      return std::make_unique<HistogramCalibrator>(desc.numBins, desc.skipZeros, desc.numBits,
                                                   desc.isUnsigned);
  }
  throw Error("unknown calibration method");
}

}  // namespace cpq
