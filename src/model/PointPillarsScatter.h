#pragma once
// mmdet3d's PointPillarsScatter: pillar features into a dense BEV canvas. No parameters.
#include <ATen/ATen.h>

namespace cpq {

// pillarFeatures [N, 1, C] or [N, C]; coords [N, 4] int (batch, z, y, x). Returns [batchSize, C, ny, nx];
// cells without a pillar are zero.
at::Tensor scatterPillars(const at::Tensor& pillarFeatures, const at::Tensor& coords, int64_t batchSize,
                          int64_t ny, int64_t nx);

}  // namespace cpq
