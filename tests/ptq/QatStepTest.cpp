// QAT mechanics on the model: gradients reach the weights of quantized layers through the straight-through
// estimator while amax (buffers, not parameters) stays exactly what calibration set.
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>

#include "model/CenterPoint.h"
#include "model/QuantizedCheckpoint.h"
#include "ptq/CalibrationFile.h"
#include "ptq/ModelPreparation.h"
#include "quant/CalibrationManager.h"
#include "quant/FakeQuantize.h"
#include "quant/QuantInsertion.h"
#include "support/TinyConfig.h"
#include "train/DistillationLoss.h"
#include "train/PointFilters.h"
#include "train/TrainPipeline.h"
#include "train/TrainStep.h"
#include "train/TrainTestSupport.h"

namespace cpq {
namespace {

TEST(QatStep, WeightsLearnThroughTheStraightThroughEstimatorAndAmaxStaysFrozen) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 21);
  QuantRecipe q;
  q.calibration = CalibrationMethod::Max;
  q.amax = AmaxMethod::Max;
  q.floatLayers = {"pts_voxel_encoder"};
  prepareForQuantization(model, q);
  torch::manual_seed(22);
  const at::Tensor canvas = at::relu(at::randn({2, 32, cfg.gridSize[1], cfg.gridSize[0]}));
  CalibrationManager manager(*model);
  manager.begin();
  {
    torch::NoGradGuard g;
    model->forwardDense(canvas);
  }
  manager.endBatch("canvas");
  const auto layers = manager.finish(q.amaxOptions());
  const nlohmann::ordered_json calib = calibrationToJson(*model, layers, "max", 1);

  // Only weights and biases are trainable: amax is a buffer.
  for (const auto& p : model->named_parameters())
    EXPECT_EQ(p.key().find("_amax"), std::string::npos) << p.key();
  std::map<std::string, at::Tensor> before;
  for (const auto& p : model->named_parameters()) before[p.key()] = p.value().detach().clone();

  model->train();
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    at::Tensor loss = at::zeros({});
    for (const auto& t : model->forwardDense(canvas))
      loss = loss + t.heatmap.sigmoid().mean() + t.reg.pow(2).mean();
    loss.backward();
    if (step == 0) {
      // The STE passes gradient to every quantized layer's weight (inside the clip range).
      const at::Tensor g = model->pts_backbone->blocks[1]
                               ->as<torch::nn::Sequential>()
                               ->ptr(0)
                               ->named_parameters()["weight"]
                               .grad();
      ASSERT_TRUE(g.defined());
      EXPECT_GT(g.abs().sum().item<double>(), 0.0);
    }
    opt.step();
  }
  size_t changed = 0;
  for (const auto& p : model->named_parameters())
    if (!at::equal(p.value().detach(), before[p.key()])) ++changed;
  EXPECT_GT(changed, before.size() / 2);
  // Every amax is still the calibration's, bit for bit.
  const nlohmann::ordered_json after = calibrationToJson(*model, layers, "max", 1);
  EXPECT_EQ(after["amax"], calib["amax"]);
}

// Distillation (qat --distill): against the float model it was made from, the fused student with its
// quantizers disabled has (almost) nothing to learn and, quantized, sees the quantization error in the loss;
// a student whose head weights were disturbed is pulled back to the teacher by the steps, and the teacher
// itself never changes.
TEST(QatStep, DistillationPullsTheStudentTowardsTheFloatTeacher) {
  const CenterPointConfig cfg = testing::overfitConfig();
  const TrainBatch batch = BatchCollator(cfg).collate(
      {applyTrainFilters(testing::demoFrame(1), cfg), applyTrainFilters(testing::demoFrame(2), cfg)});
  CenterPoint teacher = makeRandomCenterPoint(cfg, 9);
  CenterPoint student = makeRandomCenterPoint(cfg, 9);
  QuantRecipe q;
  q.calibration = CalibrationMethod::Max;
  q.amax = AmaxMethod::Max;
  q.floatLayers = {"pts_voxel_encoder"};
  prepareForQuantization(student, q);  // BN folded, quantizers disabled
  const auto lossNow = [&] {
    torch::NoGradGuard g;
    student->eval();
    teacher->eval();
    return distillationLoss(cfg, forwardBatch(student, batch), forwardBatch(teacher, batch))
        .total.item<double>();
  };
  const double floatLoss = lossNow();
  EXPECT_LT(floatLoss, 1e-4);  // folding BN changes only roundings

  CalibrationManager manager(*student);
  manager.begin();
  {
    torch::NoGradGuard g;
    forwardBatch(student, batch);
  }
  manager.endBatch("batch");
  manager.finish(q.amaxOptions());
  EXPECT_GT(lossNow(), 100 * floatLoss);
  setQuantizerStates(*student, QuantizerState::Disabled);

  {
    torch::NoGradGuard g;
    torch::manual_seed(10);
    for (auto& p : student->named_parameters())
      if (p.key().find("task_heads") != std::string::npos)
        p.value().mul_(1 + 0.3 * at::randn_like(p.value()));
  }
  auto optimizer = makeAdamW(student, cfg.optimizer);
  const TrainStep step(cfg, /*freezeNorms=*/true, teacher);
  double first = 0, last = 0;
  for (int i = 0; i < 20; ++i) {
    const StepResult r = step.run(student, *optimizer, batch, {1e-3, 0.9});
    if (i == 0) first = r.loss;
    last = r.loss;
    ASSERT_EQ(r.terms.front().first, "task0.distill_heatmap");
  }
  EXPECT_GT(first, 100 * floatLoss);
  EXPECT_LT(last, 0.7 * first) << "distillation loss " << first << " -> " << last;
  const CenterPoint fresh = makeRandomCenterPoint(cfg, 9);
  for (const auto& p : teacher->named_parameters())
    EXPECT_TRUE(at::equal(p.value(), fresh->named_parameters()[p.key()])) << p.key();
}

// A learnable amax trains without weight decay (its own AdamW group) and never leaves the positive range,
// even when a step would push it below zero.
TEST(QatStep, LearnableAmaxHasNoWeightDecayAndStaysPositive) {
  const CenterPointConfig cfg = testing::overfitConfig();
  ASSERT_GT(cfg.optimizer.weightDecay, 0.0);
  const TrainBatch batch = BatchCollator(cfg).collate({applyTrainFilters(testing::demoFrame(1), cfg)});
  CenterPoint model = makeRandomCenterPoint(cfg, 5);
  QuantRecipe q;
  q.calibration = CalibrationMethod::Max;
  q.amax = AmaxMethod::Max;
  q.learnAmax = true;
  q.floatLayers = {"pts_voxel_encoder"};
  prepareForQuantization(model, q);
  CalibrationManager manager(*model);
  manager.begin();
  {
    torch::NoGradGuard g;
    forwardBatch(model, batch);
  }
  manager.endBatch("batch");
  manager.finish(q.amaxOptions());
  std::vector<at::Tensor> amax;
  for (const auto& p : model->named_parameters())
    if (isLearnableAmax(p.key())) amax.push_back(p.value());
  ASSERT_FALSE(amax.empty());

  auto optimizer = makeAdamW(model, cfg.optimizer);
  ASSERT_EQ(optimizer->param_groups().size(), 2u);
  const auto decayOf = [](const torch::optim::OptimizerParamGroup& g) {
    return static_cast<const torch::optim::AdamWOptions&>(g.options()).weight_decay();
  };
  EXPECT_EQ(decayOf(optimizer->param_groups()[0]), cfg.optimizer.weightDecay);
  EXPECT_EQ(decayOf(optimizer->param_groups()[1]), 0.0);
  EXPECT_EQ(optimizer->param_groups()[1].params().size(), amax.size());

  {
    torch::NoGradGuard g;
    amax.front().fill_(-1.0);  // as if a step had overshot
  }
  const TrainStep step(cfg, /*freezeNorms=*/true);
  step.run(model, *optimizer, batch, {1e-3, 0.9});
  for (const at::Tensor& a : amax) EXPECT_GE(a.item<double>(), static_cast<float>(kMinLearnableAmax));
}

}  // namespace
}  // namespace cpq
