#include "train/TrainStep.h"

#include "quant/QuantLayers.h"
#include "quant/TensorQuantizer.h"
#include "train/DistillationLoss.h"

#include <torch/nn/utils/clip_grad.h>

namespace cpq {

bool isLearnableAmax(const std::string& parameterName) {
  const std::string suffix = "._amax";
  return parameterName.size() >= suffix.size() &&
         parameterName.compare(parameterName.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::unique_ptr<torch::optim::AdamW> makeAdamW(CenterPoint& model, const OptimizerConfig& cfg) {
  torch::optim::AdamWOptions options(cfg.lr);
  options.weight_decay(cfg.weightDecay);
  options.betas(std::make_tuple(0.9, 0.999));
  options.eps(1e-8);
  std::vector<at::Tensor> weights, amax;
  for (const auto& p : model->named_parameters())
    (isLearnableAmax(p.key()) ? amax : weights).push_back(p.value());
  auto optimizer = std::make_unique<torch::optim::AdamW>(weights, options);
  if (!amax.empty()) {
    auto noDecay = std::make_unique<torch::optim::AdamWOptions>(options);
    noDecay->weight_decay(0.0);
    optimizer->add_param_group(torch::optim::OptimizerParamGroup(amax, std::move(noDecay)));
  }
  return optimizer;
}

void applySchedule(torch::optim::Optimizer& optimizer, const ScheduleValues& values) {
  for (auto& group : optimizer.param_groups()) {
    auto& options = group.options();
    options.set_lr(values.lr);
    if (auto* adamw = dynamic_cast<torch::optim::AdamWOptions*>(&options)) {
      adamw->betas(std::make_tuple(values.beta1, std::get<1>(adamw->betas())));
    }
  }
}

void trainWithFrozenNorms(CenterPoint& model) {
  model->train();
  for (auto& m : model->modules(/*include_self=*/false))
    if (dynamic_cast<FoldableNorm*>(m.get())) m->eval();
}

HeadOutputs forwardBatch(CenterPoint& model, const TrainBatch& batch) {
  const at::Tensor pillars = model->encodePillars(batch.features);
  const at::Tensor canvas = model->scatter(pillars, batch.coords, batch.batchSize);
  return model->forwardDense(canvas);
}

HeadOutputs TrainStep::teacherOutputs(const TrainBatch& batch) const {
  torch::NoGradGuard noGrad;
  CenterPoint teacher = teacher_;  // a handle (shared module), so the const step can run it
  teacher->eval();
  return forwardBatch(teacher, batch);
}

StepResult TrainStep::run(CenterPoint& model, torch::optim::Optimizer& optimizer, const TrainBatch& batch,
                          const ScheduleValues& schedule, const GradientHook& afterBackward) const {
  if (freezeNorms_)
    trainWithFrozenNorms(model);
  else
    model->train();
  applySchedule(optimizer, schedule);
  optimizer.zero_grad();
  const HeadOutputs head = forwardBatch(model, batch);
  const LossTerms losses = teacher_.is_empty() ? computeLosses(cfg_, head, batch.targets)
                                               : distillationLoss(cfg_, head, teacherOutputs(batch));
  losses.total.backward();
  if (afterBackward) afterBackward(model);

  StepResult result;
  result.gradNorm =
      torch::nn::utils::clip_grad_norm_(model->parameters(), cfg_.optimizer.gradClipMaxNorm, 2.0);
  optimizer.step();
  keepLearnableAmaxPositive(*model);
  result.loss = losses.total.item<double>();
  for (const auto& [name, value] : losses.terms) result.terms.emplace_back(name, value.item<double>());
  result.schedule = schedule;
  return result;
}

}  // namespace cpq
