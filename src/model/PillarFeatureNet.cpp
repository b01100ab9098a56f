#include "model/PillarFeatureNet.h"

namespace cpq {

PFNLayerImpl::PFNLayerImpl(int inChannels, int outChannels, bool lastLayer, float eps, float momentum)
    : lastLayer_(lastLayer) {
  // A non-last layer outputs half its width per point and concatenates the repeated pillar max.
  const int units = lastLayer ? outChannels : outChannels / 2;
  norm = register_module("norm", torch::nn::BatchNorm1d(torch::nn::BatchNormOptions(units).eps(eps).momentum(momentum)));
  linear = register_module("linear", torch::nn::Linear(torch::nn::LinearOptions(inChannels, units).bias(false)));
}

at::Tensor PFNLayerImpl::forward(const at::Tensor& inputs) {
  at::Tensor x = linear->forward(inputs);
  // BN1d normalises channels: [N, P, C] -> [N, C, P] and back.
  x = norm->forward(x.permute({0, 2, 1}).contiguous()).permute({0, 2, 1}).contiguous();
  x = at::relu(x);
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
