#pragma once
// Calibration of a model that carries quantizers (pytorch-quantization's collect_stats + compute_amax):
// input quantizers collect statistics over N batches while the network runs in float, then every amax is
// computed at once; weight amax is the per-channel abs max of the (BN-folded) weights.
//
// Statistics stay on the device the model runs on. Per batch there is ONE device->host copy: the maxima
// every histogram needs (gathered from all layers into one tensor), which also serves the NaN check.
#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "quant/Calibrator.h"
#include "quant/QuantDescriptor.h"
#include "quant/QuantInsertion.h"

namespace cpq {

// The |x| histogram an input amax was searched on, in AmaxSearch's layout (counts[j] holds the values in
// [edges[j], edges[j+1])), with the quantization levels the mse / entropy searches assume; kept so that
// reports can show it and what the other searches would have chosen. Empty for max calibration and for a
// dead (all-zero) input.
struct InputHistogram {
  std::vector<double> counts;
  std::vector<double> edges;  // counts.size() + 1
  int numBits = 8;
  bool isUnsigned = false;
  bool empty() const { return counts.empty(); }
};

struct LayerCalibration {
  std::string layer;      // AWML module name
  std::string layerType;  // Conv2d | ConvTranspose2d | Linear | Add | Concat
  std::string method;     // "histogram+mse", "max", ...
  double inputAmax = 0;
  at::Tensor weightAmax;  // per channel (or scalar), CPU float32; undefined for Add / Concat
  CalibrationStats inputStats;
  bool sawOnlyZeros = false;      // warned; amax from max (0: the layer's input is dead)
  InputHistogram inputHistogram;  // histogram calibration only
};

class CalibrationManager {
 public:
  // model: with quantizers inserted (QuantInsertion). The manager holds a reference.
  explicit CalibrationManager(torch::nn::Module& model);

  // Input quantizers collect, weight quantizers are off: the network computes exactly in float.
  void begin();
  // After each batch's forward: the single host copy, the NaN check (cpq::Error naming the layer and
  // `batchLabel`, e.g. the sample tokens), and the histogram updates.
  void endBatch(const std::string& batchLabel);
  // amax for every quantizer; all quantizers end in the quantizing state. Layers whose input was all
  // zeros are warned about and listed (LayerCalibration::sawOnlyZeros).
  std::vector<LayerCalibration> finish(const AmaxOptions& options);

  int64_t batches() const { return batches_; }

 private:
  torch::nn::Module& model_;
  std::vector<QuantizerOwner> owners_;
  int64_t batches_ = 0;
};

// "histogram+mse" / "histogram+percentile(99.99)" / "max": how an input amax was found.
std::string describeMethod(const QuantDescriptor& desc, const AmaxOptions& options);

}  // namespace cpq
