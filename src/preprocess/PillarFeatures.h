#pragma once
// The per-point decorations of mmdet3d's PillarFeatureNet (legacy=False) and AWML's
// BackwardPillarFeatureNet, computed before the PFN layers (docs/model.md, 'Pillar features'):
//   raw dims, then cluster offsets (x, y, z minus the pillar's mean), then pillar-centre offsets.
//     4 raw dims, z offset:    10 = [x, y, z, t, xc, yc, zc, xp, yp, zp]
//     5 raw dims, z offset:    11 = [x, y, z, I, t, xc, yc, zc, xp, yp, zp]
//     4 raw dims, no z offset:  9 = [x, y, z, t, xc, yc, zc, xp, yp]  (BackwardPillarFeatureNet)
// Slots past a pillar's point count are all-zero rows. Bit-exact with PyTorch-on-CPU running mmdet3d.
//
// Note: mmdet3d's default legacy=True would overwrite the raw x, y(, z) with the centre offsets (an
// in-place write through a view); every AWML CenterPoint config sets legacy=False, which is what this is.
#include <ATen/ATen.h>

#include <array>

#include "preprocess/Voxelizer.h"

namespace cpq {

// float32 values as the config holds them. mmdet3d keeps voxel_size and point_cloud_range as Python floats
// (double) and computes x_offset = vx / 2 + x_min in double before ATen rounds it to float32; doing that
// sum from the float32 values gives another float for e.g. the legacy config (vx 0.32, x_min -121.6:
// -121.44000244 in mmdet3d, -121.43999481 from floats). buildPillarFeatures therefore reads each value back
// as the double the config file wrote (the shortest decimal that rounds to the float, as Python prints
// it), which is exact for any config value of up to 6 significant digits (all of AWML's).
struct PillarFeatureOptions {
  std::array<float, 3> voxelSize{};
  std::array<float, 6> pointCloudRange{};  // x_min, y_min, z_min, x_max, y_max, z_max
  bool withZCenterOffset = true;           // false for BackwardPillarFeatureNet
};

// Features per point: rawDims + 3 cluster offsets + 3 (or 2) centre offsets.
int pillarFeatureCount(int rawDims, bool withZCenterOffset);

// [M, P, F] float32 from Voxels whose voxels are [M, P, rawDims] (rawDims >= 3, x, y, z first) with zero
// padding, as Voxelizer::voxelize returns them.
at::Tensor buildPillarFeatures(const Voxels& voxels, const PillarFeatureOptions& options);

}  // namespace cpq
