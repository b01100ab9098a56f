#pragma once
// Which points lie inside which GT boxes (mmdet3d box_np_ops.points_in_rbbox, as AWML's
// ObjectMinPointsFilter calls it): strictly inside the yawed box around its geometric centre.
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "dataset/Sample.h"

namespace cpq {

bool pointInBox(const LidarBox& box, double x, double y, double z);

// For each box, how many rows of points ([N, >=3] float32 CPU, x, y, z first) lie inside it; a point in
// several boxes counts for each.
std::vector<int64_t> countPointsInBoxes(const at::Tensor& points, const std::vector<LidarBox>& boxes);

}  // namespace cpq
