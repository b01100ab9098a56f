#pragma once
// Empirical bias correction (Nagel et al., "Data-Free Quantization", the data-driven variant): INT8 input
// and weights shift the mean of each output channel of a layer by E[y_q - y]; subtracting that shift from
// the layer's bias removes it. Measured before the ReLU, per layer on its float input at sampled cells
// that hold data (ptq/LayerSamples), with the layer's final input amax and its weights quantized as
// calibrated (per-channel max).
#include <string>
#include <vector>

#include "ptq/LayerSamples.h"

namespace cpq {

struct BiasCorrectionResult {
  std::string layer;
  double meanAbsShift = 0;   // mean over output channels of |shift| that was removed
  double relativeShift = 0;  // that over the RMS of the float output
};

// The per-output-channel mean of (quantized - float) pre-activation outputs on the samples, float32
// [output channels]; the layer must carry quantizers and `inputAmax` is its input amax.
at::Tensor quantizationMeanShift(const LayerSamples& samples, double inputAmax);

// Subtracts the shift from the bias of every quantized layer with samples (registering a bias where the
// layer has none); layers whose input quantizer is off (dead input) are left alone.
std::vector<BiasCorrectionResult> correctBiases(std::vector<LayerSamples>& samples);

}  // namespace cpq
