#pragma once
// Signal-to-quantization-noise ratio of each quantized layer's output: the same frames run once with the
// quantizers off (float reference) and once as they are set now, and per layer
// SQNR = 10 log10(sum f^2 / sum (f - q)^2) over all frames (the error that reached that layer, as the
// deployed engine would have it). Sums stay on the device; one host copy at the end.
#include <torch/nn/module.h>

#include <functional>
#include <string>
#include <vector>

namespace cpq {

struct LayerSqnr {
  std::string layer;
  double sqnrDb = 0;  // +inf when the outputs are identical
};

// Per-quantizer states (input, weight) of every quantized layer, to restore after a measurement.
class QuantizerStateSnapshot {
 public:
  explicit QuantizerStateSnapshot(torch::nn::Module& model);
  void restore();

 private:
  torch::nn::Module& model_;
  std::vector<int> states_;
};

// runFrame(i) runs frame i through the model (i = 0 .. frames-1); it must be deterministic. Layers in
// `layers` (all quantized layers when empty) are measured, in network order.
std::vector<LayerSqnr> measureLayerSqnr(torch::nn::Module& model, int64_t frames,
                                        const std::function<void(int64_t)>& runFrame,
                                        const std::vector<std::string>& layers = {});

}  // namespace cpq
