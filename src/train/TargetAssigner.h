#pragma once
// CenterHead's training targets (mmdet3d CenterHead.get_targets_single), per task:
//   heatmap [C_task, H, W]  Gaussians (peak exactly 1 at the centre cell), element-wise max;
//   annoBox [maxObjs, 10]   x offset, y offset, z, log l, log w, log h, sin yaw, cos yaw, vx, vy;
//   ind     [maxObjs]       flat cell y * W + x of each box (int64);
//   mask    [maxObjs]       1 where a box was assigned (uint8).
// Box k of a task sits in slot k, the task's boxes being ordered class by class (in the task's class
// order), input order within a class, as mmdet3d gathers them; boxes whose centre cell falls outside the
// head map leave their slot empty (mask 0), and boxes beyond maxObjs are dropped.
//
// z is the box's geometric centre: mmdet3d writes gravity_center (bottom + h/2), which is the same point,
// and our decoder (decode/CenterPointBBoxCoder) reads the height channel back as the centre. So the targets
// are exactly what the decoder inverts (tests/train checks the round trip).
// An unknown (NaN) velocity becomes a 0 target: mmdet3d's NuScenesDataset.parse_ann_info (inherited by
// AWML's T4Dataset) sets NaN velocities to 0 before any target is built, and masking could not replace
// that: the L1 of a NaN target is NaN even with weight 0.
#include <ATen/ATen.h>

#include <vector>

#include "config/CenterPointConfig.h"
#include "dataset/Sample.h"

namespace cpq {

struct TaskTargets {
  at::Tensor heatmap;  // [C, H, W] per frame, [B, C, H, W] once stacked; float32
  at::Tensor annoBox;  // [M, 10] / [B, M, 10] float32
  at::Tensor ind;      // [M] / [B, M] int64
  at::Tensor mask;     // [M] / [B, M] uint8
};

using Targets = std::vector<TaskTargets>;  // one per task

// The global label (index in cfg.classNames) of each heatmap channel, per task. Throws cpq::Error when a
// task names a class that is not in class_names.
std::vector<std::vector<int>> taskLabels(const CenterPointConfig& cfg);

// Targets of one frame (CPU tensors).
Targets assignTargets(const CenterPointConfig& cfg, const std::vector<LidarBox>& boxes);

// Frames' targets stacked along a new batch dimension (all frames must come from the same config).
Targets stackTargets(const std::vector<Targets>& frames);

// Every tensor moved to `device`.
Targets targetsTo(const Targets& targets, const at::Device& device);

}  // namespace cpq
