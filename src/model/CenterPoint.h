#pragma once
// The whole network with AWML's module names: pts_voxel_encoder, pts_middle_encoder (no parameters),
// pts_backbone, pts_neck, pts_bbox_head. Its state_dict keys are AWML's, by construction.
#include <torch/nn.h>

#include "config/CenterPointConfig.h"
#include "model/CenterHead.h"
#include "model/PillarFeatureNet.h"
#include "model/SECOND.h"
#include "model/SECONDFPN.h"

namespace cpq {

class CenterPointImpl : public torch::nn::Module {
 public:
  explicit CenterPointImpl(const CenterPointConfig& cfg);

  // The two halves Autoware runs as separate engines, and the scatter between them.
  at::Tensor encodePillars(const at::Tensor& inputFeatures);  // [N, 32, F] -> [N, 1, 32]
  at::Tensor scatter(const at::Tensor& pillarFeatures, const at::Tensor& coords, int64_t batchSize) const;
  HeadOutputs forwardDense(const at::Tensor& spatialFeatures);  // [B, 32, H, W] -> head outputs

  const CenterPointConfig& config() const { return cfg_; }

  PillarFeatureNet pts_voxel_encoder{nullptr};
  SECOND pts_backbone{nullptr};
  SECONDFPN pts_neck{nullptr};
  CenterHead pts_bbox_head{nullptr};

 private:
  CenterPointConfig cfg_;
};
TORCH_MODULE(CenterPoint);

// A model with deterministic random weights (mmdet3d-like init from a seeded generator), for --random-init.
CenterPoint makeRandomCenterPoint(const CenterPointConfig& cfg, uint64_t seed);

}  // namespace cpq
