#include "infer/InferencePipeline.h"

#include <torch/cuda.h>
#include <torch/nn.h>

#include <chrono>

#include "decode/Decoder.h"
#include "preprocess/PillarFeatures.h"
#include "preprocess/PointCloud.h"
#include "preprocess/PreprocessOptions.h"

namespace cpq {
namespace {

// Wall time of one stage; on CUDA the stage's kernels are waited for, so each stage is charged its own work.
template <typename F>
auto timed(double& ms, const at::Device& device, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  auto result = f();
  if (device.is_cuda()) torch::cuda::synchronize();
  ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace

DecoderOptions decoderOptionsFor(const CenterPointConfig& cfg) {
  DecoderOptions o;
  o.kind = cfg.postprocess.decoder == "autoware" ? DecoderKind::Autoware : DecoderKind::Awml;
  o.outSizeFactor = cfg.head.outSizeFactor;
  o.voxelSize = {cfg.voxelSize[0], cfg.voxelSize[1]};
  o.rangeMin = {cfg.pointCloudRange[0], cfg.pointCloudRange[1]};
  for (const auto& task : cfg.head.tasks) {
    std::vector<int> labels;
    for (const auto& name : task)
      labels.push_back(static_cast<int>(std::find(cfg.classNames.begin(), cfg.classNames.end(), name) -
                                        cfg.classNames.begin()));
    o.taskClasses.push_back(labels);
  }
  o.topK = cfg.head.maxNum;
  o.scoreThreshold = cfg.head.scoreThreshold;
  o.postCenterRange = cfg.head.postCenterRange;
  o.circleNmsDistSq = cfg.head.minRadius;
  o.postMaxSize = cfg.head.postMaxSize;
  o.autowareScoreThreshold = cfg.postprocess.autowareScoreThreshold;
  o.yawNormThresholds = cfg.postprocess.yawNormThresholds;
  o.autowareCircleDistSq = cfg.postprocess.circleNmsDistance * cfg.postprocess.circleNmsDistance;
  o.iouNmsThreshold = cfg.postprocess.iouNmsThreshold;
  o.iouNmsSearchDistance = cfg.postprocess.iouNmsSearchDistance;
  return o;
}

InferencePipeline::InferencePipeline(const CenterPointConfig& cfg, CenterPoint model, at::Device device)
    : cfg_(cfg),
      model_(std::move(model)),
      device_(device),
      voxelizer_(voxelizerOptionsFor(cfg, VoxelStage::Test)),
      decoder_(decoderOptionsFor(cfg)) {
  model_->to(device_);
  model_->eval();
}

std::vector<Detection> InferencePipeline::run(const at::Tensor& points, InferenceTrace* trace) {
  torch::NoGradGuard noGrad;
  StageTimes t;
  const at::Tensor raw = selectPointFeatures(points, cfg_.voxelEncoder.useIntensity());
  const Voxels voxels = timed(t.voxelize, device_, [&] { return voxelizer_.voxelize(raw); });
  const PillarFeatureOptions fo = pillarFeatureOptionsFor(cfg_);
  const at::Tensor features = timed(t.features, device_, [&] { return buildPillarFeatures(voxels, fo); });
  const at::Tensor pillars =
      timed(t.encoder, device_, [&] { return model_->encodePillars(features.to(device_)); });
  const at::Tensor spatial =
      timed(t.scatter, device_, [&] { return model_->scatter(pillars, voxels.coords, 1); });
  HeadOutputs head = timed(t.dense, device_, [&] { return model_->forwardDense(spatial); });
  std::vector<Detection> dets = timed(t.decode, device_, [&] { return decode(head, decoder_, 0); });
  if (trace) {
    trace->inputFeatures = features;
    trace->voxelCoords = voxels.coords;
    trace->pillarFeatures = pillars.to(at::kCPU);
    trace->spatialFeatures = spatial.to(at::kCPU);
    for (auto& task : head) {
      for (at::Tensor* x : {&task.heatmap, &task.reg, &task.height, &task.dim, &task.rot, &task.vel})
        *x = x->to(at::kCPU);
    }
    trace->head = std::move(head);
    trace->times = t;
  }
  // No pillar, nothing seen: the head would only decode its biases (boxes above a low score threshold).
  if (voxels.coords.size(0) == 0) dets.clear();
  return dets;
}

HeadOutputs InferencePipeline::forwardNetwork(const std::vector<at::Tensor>& clouds) {
  torch::NoGradGuard noGrad;
  const PillarFeatureOptions fo = pillarFeatureOptionsFor(cfg_);
  std::vector<at::Tensor> canvases;
  for (const at::Tensor& points : clouds) {
    const Voxels voxels = voxelizer_.voxelize(selectPointFeatures(points, cfg_.voxelEncoder.useIntensity()));
    const at::Tensor pillars = model_->encodePillars(buildPillarFeatures(voxels, fo).to(device_));
    canvases.push_back(model_->scatter(pillars, voxels.coords, 1));
  }
  return model_->forwardDense(canvases.size() == 1 ? canvases[0] : at::cat(canvases, 0));
}

}  // namespace cpq
