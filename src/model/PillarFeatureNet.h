#pragma once
// mmdet3d's PFNLayer / PillarFeatureNet (AWML's BackwardPillarFeatureNet has the same layers; it differs only
// in the decorated features it is fed, 9 instead of 10/11). The input is the decorated pillar tensor
// [N, 32, F] exactly as the `pts_voxel_encoder` ONNX file receives it; the feature decoration itself
// lives in data/PillarFeatures.
#include <torch/nn.h>

#include "config/CenterPointConfig.h"
#include "quant/QuantLayers.h"

namespace cpq {

// Linear(no bias) -> BN1d over channels -> ReLU -> max over the points of a pillar. Padded (all-zero) rows
// take part in the max, as in AWML, its ONNX and Autoware: after BN they are relu(beta - mean*gamma/sigma).
class PFNLayerImpl : public torch::nn::Module {
 public:
  PFNLayerImpl(int inChannels, int outChannels, bool lastLayer, float eps, float momentum);
  at::Tensor forward(const at::Tensor& x);  // [N, P, in] -> [N, 1, out] (last) or [N, P, 2*(out/2)]

  FoldableBatchNorm1d norm{nullptr};  // registered before `linear`, as mmdet3d does
  QuantLinear linear{nullptr};

 private:
  bool lastLayer_;
};
TORCH_MODULE(PFNLayer);

class PillarFeatureNetImpl : public torch::nn::Module {
 public:
  explicit PillarFeatureNetImpl(const VoxelEncoderConfig& cfg);
  at::Tensor forward(const at::Tensor& inputFeatures);  // [N, P, F] -> [N, 1, C]

  torch::nn::ModuleList pfn_layers{nullptr};
};
TORCH_MODULE(PillarFeatureNet);

}  // namespace cpq
