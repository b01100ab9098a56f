#pragma once
// Inserting quantizers into a model by a tree walk (pytorch-quantization's replace/initialize step):
// every quant-capable layer whose AWML name is not under a skipped prefix gets an input and a weight
// quantizer. Prefixes match at dot boundaries: "pts_backbone.blocks.0" covers "pts_backbone.blocks.0.3" but
// not "pts_backbone.blocks.01".
#include <torch/nn/module.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "quant/QuantDescriptor.h"
#include "quant/QuantElementwise.h"
#include "quant/QuantLayers.h"

namespace cpq {

// Where quantizers go and what they are (the model-free part of a recipe; ptq/QuantRecipe builds it).
struct QuantizerPlan {
  QuantDescriptor input = QuantDescriptor::activation(CalibrationMethod::Histogram);
  // Weight amax axis of ConvTranspose2d: empty = per-tensor (TensorRT-safe default; docs/quantization.md).
  std::optional<int64_t> convTransposeWeightAxis;
  std::vector<std::string> skipPrefixes;  // kept float
};

// True when `name` equals `prefix` or lies under it.
bool matchesLayerPrefix(const std::string& name, const std::string& prefix);

// Every quant-capable layer in network order, by AWML name (quantized or not).
std::vector<std::pair<std::string, QuantLayer*>> quantCapableLayers(torch::nn::Module& model);
// The layers that carry quantizers.
std::vector<std::pair<std::string, QuantLayer*>> quantizedLayers(torch::nn::Module& model);

// Every module that carries quantizers (layers, and Add / Concat with their shared input quantizer), in
// network order: what calibration, calibration files and state changes walk.
struct QuantizerOwner {
  std::string name;
  std::string type;  // Conv2d | ConvTranspose2d | Linear | Add | Concat
  TensorQuantizer input{nullptr};
  TensorQuantizer weight{nullptr};  // empty for Add / Concat
  QuantLayer* layer = nullptr;      // null for Add / Concat
};
std::vector<QuantizerOwner> quantizerOwners(torch::nn::Module& model);

// cpq::Error when a prefix matches no quant-capable layer; the message lists the valid layer names.
void checkSkipPrefixes(torch::nn::Module& model, const std::vector<std::string>& prefixes);

// Throws cpq::Error when a skip prefix matches no quant-capable layer (listing the valid layer names),
// before the model is touched. Returns the names of the layers that got quantizers.
std::vector<std::string> insertQuantizers(torch::nn::Module& model, const QuantizerPlan& plan);

// The weight descriptor a layer type gets under a recipe (per-channel max for Conv2d / Linear rows).
QuantDescriptor weightDescriptorFor(const QuantLayer& layer, const QuantizerPlan& plan);

// Whether the owner's input amax is dead (every value <= kDeadAmax: its activation was all zeros when it
// was calibrated). Such a layer stays float (both quantizers disabled), on every device and in the export:
// the one meaning of a dead amax (docs/quantization.md, "Dead amax").
bool hasDeadInput(const QuantizerOwner& owner);
// Quantizing state for the owner's quantizers, or both disabled when its input is dead; true when it
// quantizes.
bool enableOwnerQuantization(const QuantizerOwner& owner);

// All quantizers of quantized layers to one state (weights and inputs alike); Quantizing leaves the
// layers with a dead input float (enableOwnerQuantization).
void setQuantizerStates(torch::nn::Module& model, QuantizerState state);

}  // namespace cpq
