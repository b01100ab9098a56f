#pragma once
// The raw outputs of one CenterHead task (AWML's separate_head branches), each [B, C, H/osf, W/osf]:
// heatmap logits (no sigmoid), reg (sub-cell x, y offset), height (centre z, m), dim (log l, w, h),
// rot (sin yaw, cos yaw), vel (vx, vy m/s).
#include <ATen/ATen.h>

#include <vector>

namespace cpq {

struct TaskOutputs {
  at::Tensor heatmap;
  at::Tensor reg;
  at::Tensor height;
  at::Tensor dim;
  at::Tensor rot;
  at::Tensor vel;
};

using HeadOutputs = std::vector<TaskOutputs>;  // one entry per task

// The 10 box regression channels of a task in the box code's order: reg, height, dim, rot, vel
// ([B, 10, H, W]), as the loss gathers them and the sensitivity proxy compares them.
inline at::Tensor boxChannels(const TaskOutputs& task) {
  return at::cat({task.reg, task.height, task.dim, task.rot, task.vel}, 1);
}

}  // namespace cpq
