#pragma once
// Activation-aware cross-layer equalization (docs/calibration.md, "Beyond pytorch-quantization"): for a
// producer layer whose output reaches its consumers through a ReLU (or nothing), output channel c of the
// producer is divided by s_c (weights and bias, or the affine of an unfolded BN after it) and input
// channel c of every consumer is multiplied by s_c. ReLU is positively homogeneous, so the float network
// is unchanged; what changes is how the per-tensor activation range and the per-channel weight ranges
// share the INT8 grid. s_c = a_c^alpha / r_c^(1 - alpha) (SmoothQuant's form: a_c the channel's
// activation range at the consumers' input, r_c the consumers' weight range of that input channel),
// normalised by its geometric mean, with alpha chosen per pair from a grid by the consumers' quantized
// output error on sampled cells that hold data (ptq/LayerSamples), "no equalization" included as a
// candidate so that a pair is never made worse on the samples.
//
// The pairs of AWML's CenterPoint (all exact with BN folded into the convs): consecutive convs inside a
// SECOND block; the last conv of a block and its two consumers (the next block's first conv and the
// neck's deblock); a neck deblock and its channel slice of the head's shared conv (Conv2d deblocks and
// ConvTranspose2d ones with per-output-channel weights); the shared conv and the first conv of every
// head branch; consecutive convs of a head branch; the PFN's last Linear and the backbone's first conv.
#include <string>
#include <vector>

#include "model/CenterPoint.h"
#include "ptq/LayerSamples.h"

namespace cpq {

struct EqualizationConsumer {
  std::string name;
  QuantLayer* layer = nullptr;
  int64_t channelOffset = 0;  // the producer's channel c is the consumer's input channel offset + c
};

struct EqualizationPair {
  std::string producer;
  QuantLayer* producerLayer = nullptr;
  torch::nn::BatchNorm1dImpl* producerNorm = nullptr;  // an unfolded BN1d after the producer: scaled instead
  std::vector<EqualizationConsumer> consumers;
  int64_t channels = 0;
};

// The exact pairs of `model` after BN folding (ptq/ModelPreparation), in network order. cpq::Error when
// the model's BNs are not folded (equalization needs fuse_bn).
std::vector<EqualizationPair> equalizationPairs(CenterPoint& model);

struct EqualizationOptions {
  std::vector<double> alphas{0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1.0};
};

struct EqualizationResult {
  std::string producer;
  std::vector<std::string> consumers;
  double alpha = -1;       // the chosen alpha; -1: left unequalized (no alpha beat it)
  double errorBefore = 0;  // sum over quantized consumers of the relative output error
  double errorAfter = 0;
  double rangeBefore = 0, rangeAfter = 0;  // activation range max_c a_c / min_c a_c over live channels
};

// The scales s (float32 [channels]) for `alpha` from activation ranges a and weight ranges r: channels
// where either is 0 get 1; the rest are normalised to geometric mean 1 and clamped to [1e-4, 1e4].
at::Tensor equalizationScales(const at::Tensor& a, const at::Tensor& r, double alpha);

// Divides output channel c of the pair's producer by s_c and multiplies the consumers' input channel c by
// s_c (weights only; the float function is unchanged).
void applyEqualization(const EqualizationPair& pair, const at::Tensor& s);

// Equalizes every pair whose consumers include a quantized layer, choosing alpha by the quantized output
// error on `samples` (every quant-capable layer's, from captureLayerSamples on the float model); the
// consumers' samples are rescaled in place to match the equalized weights.
std::vector<EqualizationResult> equalizeChannels(CenterPoint& model, std::vector<LayerSamples>& samples,
                                                 const EqualizationOptions& options = {});

}  // namespace cpq
