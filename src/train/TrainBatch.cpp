#include "train/TrainBatch.h"

#include "core/Error.h"
#include "preprocess/PillarFeatures.h"
#include "preprocess/PointCloud.h"
#include "preprocess/PreprocessOptions.h"

namespace cpq {

TrainBatch TrainBatch::to(const at::Device& device) const {
  TrainBatch out;
  out.features = features.to(device, /*non_blocking=*/features.is_pinned());
  out.coords = coords.to(device, /*non_blocking=*/coords.is_pinned());
  out.batchSize = batchSize;
  out.targets = targetsTo(targets, device);
  return out;
}

BatchCollator::BatchCollator(const CenterPointConfig& cfg)
    : cfg_(cfg), voxelizer_(voxelizerOptionsFor(cfg, VoxelStage::Train)) {}

TrainBatch BatchCollator::collate(const std::vector<TrainFrame>& frames) const {
  if (frames.empty()) throw Error("collate: no frames");
  const PillarFeatureOptions fo = pillarFeatureOptionsFor(cfg_);
  std::vector<at::Tensor> features, coords;
  std::vector<Targets> targets;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const at::Tensor raw = selectPointFeatures(frames[i].points, cfg_.voxelEncoder.useIntensity());
    Voxels v = voxelizer_.voxelize(raw);
    features.push_back(buildPillarFeatures(v, fo));
    v.coords.select(1, 0).fill_(static_cast<int32_t>(i));
    coords.push_back(v.coords);
    targets.push_back(assignTargets(cfg_, frames[i].boxes));
  }
  TrainBatch batch;
  batch.features = at::cat(features, 0);
  batch.coords = at::cat(coords, 0);
  batch.batchSize = static_cast<int64_t>(frames.size());
  batch.targets = stackTargets(targets);
  return batch;
}

}  // namespace cpq
