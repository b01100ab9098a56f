#pragma once
// CenterHead's box regression loss: the head's 10 regression channels gathered at each GT box's cell and
// compared with the anno_box targets by mmdet's L1Loss, weighted by mask x code_weights and averaged over
// the boxes (avg_factor = number of boxes + 1e-4, as mmdet3d passes it).
#include <ATen/ATen.h>

#include <vector>

#include "model/TaskOutputs.h"

namespace cpq {

// [B, M, 10]: reg(2), height(1), dim(3), rot(2), vel(2) of each task head at the flat cells ind [B, M]
// (y * W + x), the layout of the anno_box targets. mmdet3d's _gather_feat without a mask.
at::Tensor gatherBoxPredictions(const TaskOutputs& task, const at::Tensor& ind);

// sum(|pred - target| * mask * codeWeights) / (sum(mask) + 1e-4 + FLT_EPSILON), times lossWeight.
// pred, target [B, M, 10]; mask [B, M] (any numeric type, 1 = assigned). Target NaNs are given weight 0
// as mmdet3d's isnotnan does; note that, as there, a NaN target still makes the loss NaN (0 * NaN), so the
// targets must not hold NaNs (TargetAssigner zeroes unknown velocities).
at::Tensor boxRegressionLoss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& mask,
                             const std::vector<float>& codeWeights, double lossWeight);

}  // namespace cpq
