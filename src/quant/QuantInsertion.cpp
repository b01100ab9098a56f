#include "quant/QuantInsertion.h"

#include "core/Error.h"
#include "quant/FakeQuantize.h"

namespace cpq {

bool matchesLayerPrefix(const std::string& name, const std::string& prefix) {
  if (prefix.empty()) return false;
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '.';
}

std::vector<std::pair<std::string, QuantLayer*>> quantCapableLayers(torch::nn::Module& model) {
  std::vector<std::pair<std::string, QuantLayer*>> layers;
  for (const auto& item : model.named_modules())
    if (auto* layer = dynamic_cast<QuantLayer*>(item.value().get())) layers.emplace_back(item.key(), layer);
  return layers;
}

std::vector<std::pair<std::string, QuantLayer*>> quantizedLayers(torch::nn::Module& model) {
  std::vector<std::pair<std::string, QuantLayer*>> layers;
  for (const auto& item : quantCapableLayers(model))
    if (item.second->isQuantized()) layers.push_back(item);
  return layers;
}

std::vector<QuantizerOwner> quantizerOwners(torch::nn::Module& model) {
  std::vector<QuantizerOwner> owners;
  for (const auto& item : model.named_modules()) {
    if (auto* layer = dynamic_cast<QuantLayer*>(item.value().get()); layer && layer->isQuantized()) {
      owners.push_back(
          {item.key(), layer->layerType(), layer->inputQuantizer(), layer->weightQuantizer(), layer});
    } else if (auto* shared = dynamic_cast<SharedInputQuantizer*>(item.value().get());
               shared && shared->isQuantized()) {
      owners.push_back(
          {item.key(), shared->layerType(), shared->inputQuantizer(), TensorQuantizer(nullptr), nullptr});
    }
  }
  return owners;
}

QuantDescriptor weightDescriptorFor(const QuantLayer& layer, const QuantizerPlan& recipe) {
  if (layer.layerType() == "ConvTranspose2d") return QuantDescriptor::weight(recipe.convTransposeWeightAxis);
  return QuantDescriptor::weight(0);  // Conv2d output channels, Linear rows
}

namespace {

std::vector<std::string> quantizableNames(torch::nn::Module& model) {
  std::vector<std::string> names;
  for (const auto& item : model.named_modules())
    if (dynamic_cast<QuantLayer*>(item.value().get()) ||
        dynamic_cast<SharedInputQuantizer*>(item.value().get()))
      names.push_back(item.key());
  return names;
}

bool skipped(const std::string& name, const std::vector<std::string>& prefixes) {
  for (const auto& prefix : prefixes)
    if (matchesLayerPrefix(name, prefix)) return true;
  return false;
}

}  // namespace

void checkSkipPrefixes(torch::nn::Module& model, const std::vector<std::string>& prefixes) {
  const auto names = quantizableNames(model);
  for (const auto& prefix : prefixes) {
    bool any = false;
    for (const auto& n : names) any = any || matchesLayerPrefix(n, prefix);
    if (any) continue;
    std::string valid;
    for (const auto& n : names) valid += "\n  " + n;
    throw Error("quantization.sensitive_layers: '" + prefix +
                "' matches no quantizable layer; the quantizable layers are:" + valid);
  }
}

std::vector<std::string> insertQuantizers(torch::nn::Module& model, const QuantizerPlan& recipe) {
  checkSkipPrefixes(model, recipe.skipPrefixes);
  std::vector<std::string> quantized;
  for (const auto& item : model.named_modules()) {
    const std::string& name = item.key();
    if (skipped(name, recipe.skipPrefixes)) continue;
    if (auto* layer = dynamic_cast<QuantLayer*>(item.value().get()); layer && !layer->isQuantized()) {
      layer->attachQuantizers(*item.value(), recipe.input, weightDescriptorFor(*layer, recipe));
      quantized.push_back(name);
    } else if (auto* shared = dynamic_cast<SharedInputQuantizer*>(item.value().get());
               shared && !shared->isQuantized()) {
      shared->attachQuantizer(*item.value(), recipe.input);
      quantized.push_back(name);
    }
  }
  return quantized;
}

bool hasDeadInput(const QuantizerOwner& owner) {
  if (owner.input.is_empty() || !owner.input->hasAmax()) return false;
  const at::Tensor a = owner.input->amax();
  return a.numel() > 0 && (a.detach().to(at::kCPU, at::kDouble) <= kDeadAmax).all().item<bool>();
}

bool enableOwnerQuantization(const QuantizerOwner& owner) {
  const bool dead = hasDeadInput(owner);
  for (TensorQuantizer q : {owner.input, owner.weight}) {
    if (q.is_empty()) continue;
    if (dead)
      q->disable();
    else
      q->enableQuantization();
  }
  return !dead;
}

void setQuantizerStates(torch::nn::Module& model, QuantizerState state) {
  for (const auto& owner : quantizerOwners(model)) {
    if (state == QuantizerState::Quantizing) {
      enableOwnerQuantization(owner);
      continue;
    }
    for (TensorQuantizer q : {owner.input, owner.weight}) {
      if (q.is_empty()) continue;
      if (state == QuantizerState::Disabled)
        q->disable();
      else
        q->enableCalibration();
    }
  }
}

}  // namespace cpq
