#include "model/PillarFeatureNet.h"

namespace cpq {

PFNLayerImpl::PFNLayerImpl(int inChannels, int outChannels, bool lastLayer, float eps, float momentum)
    : lastLayer_(lastLayer) {
  // A non-last layer outputs half its width per point and concatenates the repeated pillar max.
  const int units = lastLayer ? outChannels : outChannels / 2;
  norm = register_module(
      "norm", FoldableBatchNorm1d(torch::nn::BatchNormOptions(units).eps(eps).momentum(momentum)));
  linear =
      register_module("linear", QuantLinear(torch::nn::LinearOptions(inChannels, units).bias(false)));
}

at::Tensor PFNLayerImpl::forward(const at::Tensor& inputs) {
  at::Tensor x = linear->forward(inputs);
  // mmdet3d permutes to [N, C, P] for BN1d; BN1d on the [N*P, C] view normalises the same elements per
  // channel (statistics over all points of all pillars) without two transposing copies.
  const int64_t channels = x.size(2);
  x = norm->forward(x.reshape({-1, channels})).view(x.sizes());
  if (!linear->fusedRelu()) x = at::relu(x);
  at::Tensor xMax = std::get<0>(x.max(1, /*keepdim=*/true));
  if (lastLayer_) return xMax;
  return at::cat({x, xMax.expand({-1, inputs.size(1), -1})}, 2);
}

PillarFeatureNetImpl::PillarFeatureNetImpl(const VoxelEncoderConfig& cfg) {
  pfn_layers = register_module("pfn_layers", torch::nn::ModuleList());
  std::vector<int> widths{cfg.featureCount()};
  widths.insert(widths.end(), cfg.featChannels.begin(), cfg.featChannels.end());
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const bool last = i + 2 == widths.size();
    pfn_layers->push_back(PFNLayer(widths[i], widths[i + 1], last, cfg.normEps, cfg.normMomentum));
  }
}

at::Tensor PillarFeatureNetImpl::forward(const at::Tensor& inputFeatures) {
  at::Tensor x = inputFeatures;
  for (const auto& layer : *pfn_layers) x = layer->as<PFNLayer>()->forward(x);
  return x;
}

}  // namespace cpq
