#include "preprocess/PreprocessOptions.h"

namespace cpq {

VoxelizerOptions voxelizerOptionsFor(const CenterPointConfig& cfg, VoxelStage stage) {
  VoxelizerOptions o;
  o.pointCloudRange = cfg.pointCloudRange;
  o.voxelSize = cfg.voxelSize;
  o.maxPointsPerVoxel = cfg.voxelLayer.maxNumPoints;
  o.maxVoxels = stage == VoxelStage::Train ? cfg.voxelLayer.maxVoxelsTrain : cfg.voxelLayer.maxVoxelsTest;
  return o;
}

PillarFeatureOptions pillarFeatureOptionsFor(const CenterPointConfig& cfg) {
  PillarFeatureOptions o;
  o.voxelSize = cfg.voxelSize;
  o.pointCloudRange = cfg.pointCloudRange;
  o.withZCenterOffset = cfg.voxelEncoder.withZCenterOffset();
  return o;
}

}  // namespace cpq
