#pragma once
// The config's voxel layer and pillar decoration as the data stage's options, in one place for inference
// (test max_voxels) and training (train max_voxels), as mmdet3d's Det3DDataPreprocessor reads them.
#include "config/CenterPointConfig.h"
#include "preprocess/PillarFeatures.h"
#include "preprocess/Voxelizer.h"

namespace cpq {

enum class VoxelStage { Train, Test };

VoxelizerOptions voxelizerOptionsFor(const CenterPointConfig& cfg, VoxelStage stage);
PillarFeatureOptions pillarFeatureOptionsFor(const CenterPointConfig& cfg);

}  // namespace cpq
