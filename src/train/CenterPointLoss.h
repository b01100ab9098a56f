#pragma once
// CenterHead.loss_by_feat: per task, the Gaussian focal loss of the clipped heatmap sigmoid (normalised by
// the batch's count of peak cells) and the L1 box regression loss, named as mmdet3d logs them.
#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "config/CenterPointConfig.h"
#include "model/TaskOutputs.h"
#include "train/TargetAssigner.h"

namespace cpq {

struct LossTerms {
  std::vector<std::pair<std::string, at::Tensor>> terms;  // "task0.loss_heatmap", "task0.loss_bbox", ...
  at::Tensor total;                                       // their sum (what backward runs on)

  // A term by name; throws cpq::Error when there is none.
  const at::Tensor& term(const std::string& name) const;
  // Appends "task<task>.<name>" and adds it to the total.
  void add(size_t task, const std::string& name, const at::Tensor& value);
};

// head: [B, ...] outputs of every task; targets: stacked (stackTargets) on the same device.
// Losses are over this batch only (as mmdet3d on each GPU); data-parallel averaging is the caller's.
LossTerms computeLosses(const CenterPointConfig& cfg, const HeadOutputs& head, const Targets& targets);

}  // namespace cpq
