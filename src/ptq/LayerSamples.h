#pragma once
// What the output-error PTQ methods (range search, equalization, bias correction) learn from: for each
// quant-capable layer, its float input at sampled cells that hold data, as "rows" whose product with the
// layer's weight matrix is the layer's output there.
// - Conv2d: one row per sampled output cell, the input patch under the kernel ([C, kh, kw] flattened, the
//   weight's own layout), so that output = rows @ W.view(O, -1)^T + bias.
// - ConvTranspose2d with kernel == stride (SECONDFPN's upsampling): one row per sampled input cell, its C
//   channels; the output block is rows @ W.view(C, O * kh * kw) + bias repeated per kernel position.
// - Linear: one row per sampled input vector that is not all zeros (the PFN's real points, not padding).
// Sparsity: a BEV layer samples cells that hold data, the scatter's pillar occupancy carried to the layer's
// resolution (max-pooled when it is coarser, repeated when it is finer), and a set share from the ~90% of
// empty cells (by default none; the recipe's methods.empty_share). Sampling is seeded: same frames and
// seed, same rows.
#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "quant/QuantLayers.h"

namespace cpq {

struct LayerSampleOptions {
  int64_t rowsPerFrame = 256;  // sampled cells (or points) per frame and layer
  // The share of those rows drawn from empty cells (the constant background the heads also see); the rest
  // come from cells that hold data, which are ~10% of the map, so they stay heavily over-represented.
  double emptyShare = 0.0;
  uint64_t seed = 0;
};

struct LayerSamples {
  std::string name;
  QuantLayer* layer = nullptr;
  at::Tensor rows;           // [n, K] float32 on the model's device
  at::Tensor channelAbsMax;  // [C_in] max |x| per input channel over every element seen (not only rows)
  double absMax = 0;         // max |x| over every element seen
  int64_t cellsSeen = 0;     // occupied cells (or real points) in the captured inputs
};

// The layer's weight as the matrix that multiplies its rows: [K, outputs] (outputs = O, or O * kh * kw
// for a ConvTranspose2d). `weight` has the layer's weight shape (the float or a fake-quantized one).
at::Tensor layerMatrix(QuantLayer& layer, const at::Tensor& weight);
// The bias as a row vector matching layerMatrix's columns (zeros when the layer has none).
at::Tensor layerBiasRow(QuantLayer& layer);
// rows @ layerMatrix(weight) + bias, and the fused ReLU when `activate` and the layer applies one.
at::Tensor layerOutput(QuantLayer& layer, const at::Tensor& rows, const at::Tensor& weight, bool activate);
// The output channel of each column of layerMatrix ([outputs] int64).
at::Tensor outputChannelOfColumns(QuantLayer& layer);
// Input channel of each row element (K entries): K = C * kh * kw for Conv2d, C otherwise.
at::Tensor inputChannelOfRowElements(QuantLayer& layer);
// Whether the methods can describe this layer by rows (Conv2d: groups 1, dilation 1; ConvTranspose2d:
// kernel == stride, no padding); a layer they cannot is left to its calibrated amax.
bool hasRowForm(QuantLayer& layer);

// Pillar occupancy [B, H0, W0] (bool) carried to [B, h, w]: max-pooled when h, w divide H0, W0, repeated
// when they are multiples; cpq::Error otherwise.
at::Tensor occupancyAt(const at::Tensor& occupancy, int64_t h, int64_t w);

// Runs `forwardBatch(i)` for i in [0, batches) on a model whose quantizers are all disabled (the caller's
// responsibility) and returns the samples of each named layer, in the order of `layers`. The occupancy
// comes from the input of `canvasLayer` (the first backbone conv, whose input is the scattered canvas),
// which must run before every other BEV layer in the forward.
std::vector<LayerSamples> captureLayerSamples(const std::vector<std::pair<std::string, QuantLayer*>>& layers,
                                              const std::string& canvasLayer, int64_t batches,
                                              const std::function<void(int64_t)>& forwardBatch,
                                              const LayerSampleOptions& options);

}  // namespace cpq
