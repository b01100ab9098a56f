#pragma once
// The filters of AWML's train pipeline (mmdet3d PointsRangeFilter, ObjectRangeFilter, ObjectNameFilter,
// AWML's ObjectMinPointsFilter, PointShuffle) and the dataset's NaN-velocity rule.
#include <ATen/ATen.h>

#include <array>
#include <vector>

#include "dataset/Sample.h"
#include "train/Rng.h"

namespace cpq {

// Rows strictly inside the 3D range (x_min < x < x_max, same for y, z), compared in float32 as mmdet3d's
// BasePoints.in_range_3d.
at::Tensor pointsInRange(const at::Tensor& points, const std::array<float, 6>& range);

// Boxes whose BEV centre is strictly inside the range's x, y extent (LiDARInstance3DBoxes.in_range_bev),
// with yaw wrapped into [-pi, pi) as ObjectRangeFilter's limit_yaw does.
std::vector<LidarBox> objectsInBevRange(const std::vector<LidarBox>& boxes,
                                        const std::array<float, 6>& range);

// Boxes of a configured class (label >= 0): ObjectNameFilter.
std::vector<LidarBox> objectsOfKnownClass(const std::vector<LidarBox>& boxes);

// Boxes holding at least minPoints of `points`. AWML's ObjectMinPointsFilter counts the points of the
// current (augmented, range-filtered) cloud inside each box with points_in_rbbox; it does not read the
// annotation's num_lidar_pts (LidarBox::numPts), and neither does this.
std::vector<LidarBox> objectsWithMinPoints(const std::vector<LidarBox>& boxes, const at::Tensor& points,
                                           int minPoints);

// Rows in a random order (Fisher-Yates from rng): PointShuffle. Voxelization keeps the first 32 points of
// a pillar, so the order decides which points a crowded pillar keeps.
at::Tensor shufflePoints(const at::Tensor& points, Rng& rng);

// Unknown velocities (a NaN component) become (0, 0), as mmdet3d's NuScenesDataset.parse_ann_info does
// before the pipeline (there: when vx is NaN).
void zeroUnknownVelocities(std::vector<LidarBox>& boxes);

}  // namespace cpq
