#include "model/CenterPoint.h"

#include <torch/utils.h>

#include "model/PointPillarsScatter.h"

namespace cpq {

CenterPointImpl::CenterPointImpl(const CenterPointConfig& cfg) : cfg_(cfg) {
  pts_voxel_encoder = register_module("pts_voxel_encoder", PillarFeatureNet(cfg.voxelEncoder));
  pts_backbone = register_module("pts_backbone", SECOND(cfg.backbone));
  pts_neck = register_module("pts_neck", SECONDFPN(cfg.neck));
  pts_bbox_head = register_module("pts_bbox_head", CenterHead(cfg.head));
}

at::Tensor CenterPointImpl::encodePillars(const at::Tensor& inputFeatures) {
  return pts_voxel_encoder->forward(inputFeatures);
}

at::Tensor CenterPointImpl::scatter(const at::Tensor& pillarFeatures, const at::Tensor& coords,
                                    int64_t batchSize) const {
  return scatterPillars(pillarFeatures, coords, batchSize, cfg_.gridSize[1], cfg_.gridSize[0]);
}

HeadOutputs CenterPointImpl::forwardDense(const at::Tensor& spatialFeatures) {
  return pts_bbox_head->forward(pts_neck->forward(pts_backbone->forward(spatialFeatures)));
}

CenterPoint makeRandomCenterPoint(const CenterPointConfig& cfg, uint64_t seed) {
  // Module constructors draw from the global generator: seed it, build, and the weights are a function of
  // the seed alone. Convs get mmcv's kaiming_init (normal, fan_out, relu) as SECOND/CenterHead use, so that
  // activations keep their scale through the 20 layers; BN statistics get non-trivial values so that
  // folding and export checks see real numbers.
  torch::manual_seed(seed);
  CenterPoint model(cfg);
  torch::NoGradGuard noGrad;
  for (auto& module : model->modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0, torch::kFanOut, torch::kReLU);
      if (conv->options.bias()) conv->bias.zero_();
      continue;
    }
    if (auto* deconv = module->as<torch::nn::ConvTranspose2d>()) {
      torch::nn::init::kaiming_normal_(deconv->weight, 0, torch::kFanOut, torch::kReLU);
      continue;
    }
    auto* bn1 = module->as<torch::nn::BatchNorm1d>();
    auto* bn2 = module->as<torch::nn::BatchNorm2d>();
    if (!bn1 && !bn2) continue;
    auto& mean = bn1 ? bn1->running_mean : bn2->running_mean;
    auto& var = bn1 ? bn1->running_var : bn2->running_var;
    auto& weight = bn1 ? bn1->weight : bn2->weight;
    auto& bias = bn1 ? bn1->bias : bn2->bias;
    mean.copy_(at::randn_like(mean) * 0.1);
    var.copy_(at::rand_like(var) * 0.5 + 0.75);
    weight.copy_(at::rand_like(weight) * 0.5 + 0.75);
    bias.copy_(at::randn_like(bias) * 0.1);
  }
  for (auto& item : model->named_parameters()) {
    const std::string& key = item.key();
    const bool heatmapOut = key.find(".heatmap.") != std::string::npos && key.size() > 5 &&
                            key.compare(key.size() - 5, 5, ".bias") == 0 &&
                            key.find(".bn.") == std::string::npos;
    if (heatmapOut) item.value().fill_(cfg.head.initBias);
  }
  return model;
}

}  // namespace cpq
