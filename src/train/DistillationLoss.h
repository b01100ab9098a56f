#pragma once
// Output distillation for QAT: the quantized (student) network learns to reproduce the float (teacher)
// network's head outputs on the same batch, so fine-tuning pulls INT8 towards FP32 instead of re-fitting
// the labels of a small QAT set (which moves the float optimum as well). Labels are not used.
//
// Per task, with pT = sigmoid(teacher heatmap) and w = max over classes of pT where that exceeds the
// decoder's score threshold (test_cfg score_threshold, 0.1 in AWML), else 0: the teacher's foreground
// confidence per cell, as LiDAR-PTQ's task-guided loss lets the float heatmap pick the foreground:
//   heatmap: sum((sigmoid(student) - pT)^2) / max(sum(w), 1)
//   boxes:   lossBboxWeight * sum(w * codeWeights * |student - teacher|) / max(sum(w), 1)
//            over the 10 regression channels reg(2), height(1), dim(3), rot(2), vel(2)
// so background cells, where the boxes mean nothing, carry no box gradient.
#include "config/CenterPointConfig.h"
#include "model/TaskOutputs.h"
#include "train/CenterPointLoss.h"

namespace cpq {

// Terms "task<i>.distill_heatmap", "task<i>.distill_bbox"; the teacher's outputs are detached here.
LossTerms distillationLoss(const CenterPointConfig& cfg, const HeadOutputs& student,
                           const HeadOutputs& teacher);

}  // namespace cpq
