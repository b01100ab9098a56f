#pragma once
// AWML's `rot_y_axis_reference` export, which Autoware's lidar_centerpoint decodes: box dims as (w, l, h)
// instead of (l, w, h) and the yaw as (-cos, -sin) instead of (sin, cos). Both are a signed permutation of
// output channels, so they are applied to the weights and bias of the branch's final 1x1 conv and the graph
// stays the same.
#include <ATen/ATen.h>

#include <string>

namespace cpq {

// True for the branches the transform changes ("dim", "rot").
bool changedByYAxisReference(const std::string& branch);

// The transform on dim 0 (output channels) of a final conv's weight [C, in, k, k] or bias [C]; other branches
// are returned unchanged. dim: new = old[[1, 0, 2]]; rot: new[0] = -old[1], new[1] = -old[0].
at::Tensor toYAxisReference(const std::string& branch, const at::Tensor& outputChannels);

}  // namespace cpq
