#pragma once
// Statistics of the tensors a quantizer sees during calibration, turned into amax afterwards.
//
// Collection may be deferred so that a whole forward pass runs without a host round trip per layer: a
// calibrator may keep device work pending after collect(); the CalibrationManager gathers every
// calibrator's pendingMaxima() into ONE device->host copy per frame and hands the values back through
// flush(hostMaxima). Used standalone (tests), flush() does that copy itself.
#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "quant/QuantDescriptor.h"

namespace cpq {

// What a calibrator saw, for reports and warnings.
struct CalibrationStats {
  int64_t batches = 0;
  int64_t elements = 0;      // values seen (after skip_zeros: still counted here)
  int64_t zerosSkipped = 0;  // exact zeros dropped by skip_zeros
  double maxAbs = 0.0;       // largest |x| seen
  bool allZero() const { return batches > 0 && maxAbs == 0.0; }
};

class Calibrator {
 public:
  virtual ~Calibrator() = default;
  virtual void collect(const at::Tensor& x) = 0;
  // Device scalars whose host values flush() needs, in order (empty when nothing is pending).
  virtual std::vector<at::Tensor> pendingMaxima() const { return {}; }
  // Completes deferred collection; hostMaxima are pendingMaxima()'s values, same order.
  virtual void flush(const std::vector<double>& hostMaxima) { (void)hostMaxima; }
  // Copies pendingMaxima() to the host and flushes (one sync).
  void flush();
  // amax: shape [] per-tensor, or the keepdim per-axis shape (e.g. [C, 1, 1, 1]); float32, on the device
  // the statistics live on. Throws cpq::Error before any collection.
  virtual at::Tensor computeAmax(const AmaxOptions& options) const = 0;
  virtual CalibrationStats stats() const = 0;
  virtual void reset() = 0;
};

std::unique_ptr<Calibrator> makeCalibrator(const QuantDescriptor& desc);

}  // namespace cpq
