#include "model/LayerFusion.h"

#include <torch/nn/modules/container/sequential.h>

#include "model/BatchNormFolding.h"
#include "model/CenterHead.h"
#include "model/PillarFeatureNet.h"
#include "quant/QuantLayers.h"

namespace cpq {
namespace {

BatchNormParams normParams(torch::nn::Module& norm) {
  if (auto* bn1 = dynamic_cast<torch::nn::BatchNorm1dImpl*>(&norm)) return batchNormParams(*bn1);
  return batchNormParams(*dynamic_cast<torch::nn::BatchNorm2dImpl*>(&norm));
}

// Folds `norm` (child `normName` of `parent`) into `layer`, then unregisters it from `parent`.
void foldPair(torch::nn::Module& parent, QuantLayer& layer, const std::string& normName,
              const std::string& prefix, FusionReport& report) {
  auto normModule = parent.named_children()[normName];
  auto* foldable = dynamic_cast<FoldableNorm*>(normModule.get());
  if (!foldable || foldable->isFolded()) return;
  const BatchNormParams bn = normParams(*normModule);
  const at::Tensor& bias = layer.layerBias();
  const std::optional<at::Tensor> b = bias.defined() ? std::optional<at::Tensor>(bias) : std::nullopt;
  const FoldedLayer f = layer.outputChannelAxis() == 1
                            ? foldBatchNormIntoConvTranspose(layer.layerWeight(), b, bn)
                            : foldBatchNormIntoConv(layer.layerWeight(), b, bn);
  {
    torch::NoGradGuard noGrad;
    layer.layerWeight().copy_(f.weight);
  }
  layer.setBias(f.bias.to(layer.layerWeight().device()));
  foldable->markFolded();
  parent.unregister_module(normName);
  report.foldedNorms.push_back(prefix + normName);
}

void fuseRelu(QuantLayer& layer, FusableReLU* relu, const std::string& name, FusionReport& report) {
  if (layer.fusedRelu()) return;
  layer.setFusedRelu(true);
  if (relu) relu->get()->markAbsorbed();
  report.fusedRelus.push_back(name);
}

// Sequential(..., layer, BN, ReLU, ...): the SECOND blocks, the SECONDFPN deblocks.
void fuseSequence(torch::nn::Module& seq, const std::string& prefix, const FusionOptions& o,
                  FusionReport& r) {
  const auto children = seq.named_children();
  for (size_t i = 0; i + 1 < children.size(); ++i) {
    auto* layer = dynamic_cast<QuantLayer*>(children[i].value().get());
    auto* norm = dynamic_cast<FoldableNorm*>(children[i + 1].value().get());
    if (!layer || !norm || norm->isFolded()) continue;
    const std::string layerName = prefix + children[i].key();
    foldPair(seq, *layer, children[i + 1].key(), prefix, r);
    if (!o.fuseRelu || i + 2 >= children.size()) continue;
    auto relu = std::dynamic_pointer_cast<FusableReLUImpl>(children[i + 2].value());
    if (!relu) continue;
    FusableReLU holder(relu);
    fuseRelu(*layer, &holder, layerName, r);
  }
}

}  // namespace

FusionReport fuseLayers(torch::nn::Module& model, const FusionOptions& options) {
  FusionReport report;
  if (!options.fuseBn) return report;
  torch::NoGradGuard noGrad;
  for (const auto& item : model.named_modules()) {
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    torch::nn::Module& m = *item.value();
    if (auto* cm = dynamic_cast<ConvModuleImpl*>(&m)) {
      if (cm->bn->isFolded()) continue;
      foldPair(m, *cm->conv, "bn", prefix, report);
      if (options.fuseRelu) fuseRelu(*cm->conv, nullptr, prefix + "conv", report);
    } else if (auto* pfn = dynamic_cast<PFNLayerImpl*>(&m)) {
      if (!options.foldVoxelEncoderBn || pfn->norm->isFolded()) continue;
      foldPair(m, *pfn->linear, "norm", prefix, report);
      if (options.fuseRelu) fuseRelu(*pfn->linear, nullptr, prefix + "linear", report);
    } else if (dynamic_cast<torch::nn::SequentialImpl*>(&m)) {
      fuseSequence(m, prefix, options, report);
    }
  }
  return report;
}

}  // namespace cpq
