#include "model/QuantizedCheckpoint.h"

#include <filesystem>
#include <set>

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"
#include "checkpoint/PthWriter.h"
#include "checkpoint/Safetensors.h"
#include "core/Error.h"
#include "model/LayerFusion.h"

namespace cpq {
namespace {

const std::string kInputAmax = "._input_quantizer._amax";
const std::string kWeightAmax = "._weight_quantizer._amax";

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool isQuantizedStateDict(const StateDict& sd) {
  for (const auto& item : sd.items())
    if (endsWith(item.first, kInputAmax) || endsWith(item.first, kWeightAmax)) return true;
  return false;
}

CenterPoint quantizedCenterPointFromStateDict(const CenterPointConfig& cfg, const StateDict& sd,
                                              const std::string& source) {
  if (!isQuantizedStateDict(sd))
    throw fileError(source, "has no _amax keys: not a quantized (fake-quant) checkpoint");
  CenterPoint model(cfg);
  model->eval();
  // Fusion as the keys show it: a folded BN has no keys left.
  FusionOptions f;
  f.fuseBn = !sd.find("pts_backbone.blocks.0.1.weight") || !sd.find("pts_bbox_head.shared_conv.bn.weight");
  f.fuseRelu = f.fuseBn;
  f.foldVoxelEncoderBn = !sd.find("pts_voxel_encoder.pfn_layers.0.norm.weight");
  fuseLayers(*model, f);
  // Quantizers where the keys have them, with the amax shapes of the file.
  for (const auto& [name, layer] : quantCapableLayers(*model)) {
    const at::Tensor* in = sd.find(name + kInputAmax);
    const at::Tensor* w = sd.find(name + kWeightAmax);
    if (!in && !w) continue;
    if (!in || !w) throw fileError(source, "layer " + name + " has only one of its two _amax keys");
    for (const auto& [key, amax] : {std::pair{name + kInputAmax, in}, std::pair{name + kWeightAmax, w}}) {
      const at::Tensor a = amax->to(at::kCPU, at::kDouble);
      if (a.numel() > 0 && (!at::isfinite(a).all().item<bool>() || (a < 0).any().item<bool>()))
        throw fileError(source, key + ": amax must be finite and >= 0 (min " +
                                    std::to_string(a.min().item<double>()) + ", max " +
                                    std::to_string(a.max().item<double>()) + ")");
    }
    QuantizerPlan plan;
    if (layer->layerType() == "ConvTranspose2d" && w->numel() > 1) plan.convTransposeWeightAxis = 1;
    auto* module = dynamic_cast<torch::nn::Module*>(layer);
    layer->attachQuantizers(*module, plan.input, weightDescriptorFor(*layer, plan));
    layer->inputQuantizer()->setAmax(at::zeros(in->sizes(), at::kFloat));
    layer->weightQuantizer()->setAmax(at::zeros(w->sizes(), at::kFloat));
  }
  loadStateDict(*model, sd, source);
  setQuantizerStates(*model, QuantizerState::Quantizing);  // a dead input amax leaves its layer float
  return model;
}

CenterPoint loadQuantizedCenterPoint(const CenterPointConfig& cfg, const std::string& path) {
  return quantizedCenterPointFromStateDict(cfg, loadCheckpoint(path), path);
}

void saveQuantizedCheckpoint(CenterPoint& model, const std::string& safetensorsPath,
                             const std::map<std::string, std::string>& metadata) {
  StateDict sd;
  const StateDict live = stateDictOf(*model);
  for (const auto& [name, t] : live.items()) sd.insert(name, t.detach().to(at::kCPU).contiguous());
  const std::filesystem::path p(safetensorsPath);
  saveSafetensors(safetensorsPath, sd, metadata);
  savePth((p.parent_path() / (p.stem().string() + ".pth")).string(), sd);
}

}  // namespace cpq
