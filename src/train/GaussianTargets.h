#pragma once
// CenterNet's heatmap targets as mmdet3d draws them (mmdet3d/models/utils/gaussian.py): the radius from
// gaussian_radius and the Gaussian stamped by draw_heatmap_gaussian.
#include <ATen/ATen.h>

namespace cpq {

// The largest centre shift (in cells) at which a box of this size still overlaps its shifted copy by
// minOverlap, the smallest root of CornerNet's three cases. Symmetric in (height, width). Computed in
// float32 as mmdet3d's tensors are, so that int(radius) truncates at the same place.
float gaussianRadius(float height, float width, float minOverlap);

// The radius CenterHead uses: max(minRadius, int(gaussianRadius(...))).
int heatmapRadius(float lengthCells, float widthCells, float minOverlap, int minRadius);

// Element-wise max of heatmap [H, W] (float32, CPU, contiguous) with a (2r+1)^2 Gaussian of sigma
// (2r+1)/6 centred on cell (x, y), clipped at the borders. The centre cell gets exactly 1.
void drawHeatmapGaussian(at::Tensor& heatmap, int64_t x, int64_t y, int radius);

}  // namespace cpq
