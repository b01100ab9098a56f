#pragma once
// One optimisation step, with every piece of state passed in (model, optimizer, batch, schedule values),
// so that the trainer can run it data-parallel: it calls `afterBackward` (e.g. a c10d all-reduce of the
// gradients) between backward and the gradient clip, as DDP + mmengine's OptimWrapper order them.
//   set lr / beta1 -> forward (train mode) [-> teacher forward, no grad] -> losses -> backward ->
//   [afterBackward] -> clip (norm 2)
//   -> optimizer step.
#include <torch/optim/adamw.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/CenterPointConfig.h"
#include "model/CenterPoint.h"
#include "train/CenterPointLoss.h"
#include "train/LrSchedule.h"
#include "train/TrainBatch.h"

namespace cpq {

// AWML's optimizer: AdamW(lr, weight_decay) over every parameter, PyTorch's default betas and eps; a
// learnable amax (a parameter named "..._amax") goes into a second group without weight decay, which
// would pull the clipping range towards 0 for no reason.
std::unique_ptr<torch::optim::AdamW> makeAdamW(CenterPoint& model, const OptimizerConfig& cfg);
bool isLearnableAmax(const std::string& parameterName);

// Sets lr and betas[0] of every AdamW parameter group (other optimizers: lr only).
void applySchedule(torch::optim::Optimizer& optimizer, const ScheduleValues& values);

// Forward of a collated batch (already on the model's device): encoder -> scatter -> dense.
HeadOutputs forwardBatch(CenterPoint& model, const TrainBatch& batch);

struct StepResult {
  double loss = 0;                                    // total
  std::vector<std::pair<std::string, double>> terms;  // per task, by mmdet3d's names
  double gradNorm = 0;                                // total L2 norm before clipping
  ScheduleValues schedule;
};

class TrainStep {
 public:
  using GradientHook = std::function<void(CenterPoint&)>;

  // freezeNorms: BatchNorms stay in eval mode (running statistics fixed), as QAT with frozen BN wants.
  // teacher (optional, on the model's device): the loss becomes the distillation loss against its outputs
  // on the same batch (train/DistillationLoss.h) instead of the label loss.
  explicit TrainStep(const CenterPointConfig& cfg, bool freezeNorms = false, CenterPoint teacher = nullptr)
      : cfg_(cfg), freezeNorms_(freezeNorms), teacher_(std::move(teacher)) {}

  // batch must already be on the model's device (TrainBatch::to). Reading the loss values back is the
  // step's one host sync.
  StepResult run(CenterPoint& model, torch::optim::Optimizer& optimizer, const TrainBatch& batch,
                 const ScheduleValues& schedule, const GradientHook& afterBackward = nullptr) const;

 private:
  HeadOutputs teacherOutputs(const TrainBatch& batch) const;

  CenterPointConfig cfg_;
  bool freezeNorms_ = false;
  CenterPoint teacher_{nullptr};
};

// Train mode for everything except BatchNorms (their statistics stay fixed).
void trainWithFrozenNorms(CenterPoint& model);

}  // namespace cpq
