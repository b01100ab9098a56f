#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "model/CenterPoint.h"
#include "train/PointFilters.h"
#include "train/TrainPipeline.h"
#include "train/TrainStep.h"
#include "train/TrainTestSupport.h"

namespace cpq {
namespace {

// Two demo sweeps through the filters (no random augmentation): a fixed batch.
std::vector<TrainFrame> fixedFrames(const CenterPointConfig& cfg) {
  return {applyTrainFilters(testing::demoFrame(1), cfg), applyTrainFilters(testing::demoFrame(2), cfg)};
}

double lossOf(CenterPoint& model, const CenterPointConfig& cfg, const TrainBatch& batch) {
  torch::NoGradGuard noGrad;
  model->train();  // the loss the step sees: batch statistics in BN
  return computeLosses(cfg, forwardBatch(model, batch), batch.targets).total.item<double>();
}

TEST(TrainBatch, CollatesFramesWithTheirBatchIndex) {
  const CenterPointConfig cfg = testing::overfitConfig();
  const std::vector<TrainFrame> frames = fixedFrames(cfg);
  ASSERT_GT(frames[0].boxes.size(), 0u);
  const TrainBatch batch = BatchCollator(cfg).collate(frames);
  EXPECT_EQ(batch.batchSize, 2);
  EXPECT_EQ(batch.features.dim(), 3);
  EXPECT_EQ(batch.features.size(1), cfg.voxelLayer.maxNumPoints);
  EXPECT_EQ(batch.features.size(2), cfg.voxelEncoder.featureCount());
  EXPECT_EQ(batch.coords.size(0), batch.features.size(0));
  const at::Tensor frameIndex = batch.coords.select(1, 0);
  EXPECT_EQ(frameIndex.min().item<int32_t>(), 0);
  EXPECT_EQ(frameIndex.max().item<int32_t>(), 1);
  // frame 0's pillars come first
  EXPECT_TRUE((frameIndex.slice(0, 1) >= frameIndex.slice(0, 0, -1)).all().item<bool>());
  ASSERT_EQ(batch.targets.size(), 2u);
  EXPECT_EQ(batch.targets[0].heatmap.sizes(), (at::IntArrayRef{2, 3, 32, 32}));
  EXPECT_GT(batch.targets[0].mask.sum().item<int64_t>() + batch.targets[1].mask.sum().item<int64_t>(), 0);

  CenterPoint model = makeRandomCenterPoint(cfg, 3);
  const HeadOutputs head = forwardBatch(model, batch);
  EXPECT_EQ(head[0].heatmap.sizes(), (at::IntArrayRef{2, 3, 32, 32}));
}

TEST(TrainStep, ApplyScheduleSetsLrAndBeta1) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 1);
  auto optimizer = makeAdamW(model, cfg.optimizer);
  applySchedule(*optimizer, {1.5e-3, 0.87});
  for (auto& group : optimizer->param_groups()) {
    auto& o = static_cast<torch::optim::AdamWOptions&>(group.options());
    EXPECT_DOUBLE_EQ(o.lr(), 1.5e-3);
    EXPECT_DOUBLE_EQ(std::get<0>(o.betas()), 0.87);
    EXPECT_DOUBLE_EQ(std::get<1>(o.betas()), 0.999);
    EXPECT_DOUBLE_EQ(o.weight_decay(), 0.01);
  }
}

TEST(TrainStep, OneStepLowersTheLossOnAFixedBatch) {
  const CenterPointConfig cfg = testing::overfitConfig();
  const TrainBatch batch = BatchCollator(cfg).collate(fixedFrames(cfg));
  CenterPoint model = makeRandomCenterPoint(cfg, 5);
  auto optimizer = makeAdamW(model, cfg.optimizer);
  const double before = lossOf(model, cfg, batch);
  const StepResult r = TrainStep(cfg).run(model, *optimizer, batch, {1e-3, 0.9});
  EXPECT_NEAR(r.loss, before, 1e-4 * before);  // the step's loss is that of the weights before it
  EXPECT_GT(r.gradNorm, 0.0);
  ASSERT_EQ(r.terms.size(), 4u);
  EXPECT_EQ(r.terms[0].first, "task0.loss_heatmap");
  const double after = lossOf(model, cfg, batch);
  EXPECT_LT(after, before);
}

TEST(TrainStep, GradientHookRunsBeforeTheClip) {
  const CenterPointConfig cfg = testing::tinyConfig();
  TrainFrame frame;
  frame.points = at::tensor({0.5f, 0.5f, -1.0f, 10.0f, 0.0f, 1.2f, -0.4f, -0.5f, 20.0f, 0.0f}).view({2, 5});
  frame.boxes = {testing::makeBox(0.6, 0.0, -1.0, 4, 2, 1.5, 0, 0)};
  const TrainBatch batch = BatchCollator(cfg).collate({frame, frame});
  CenterPoint model = makeRandomCenterPoint(cfg, 2);
  auto optimizer = makeAdamW(model, cfg.optimizer);
  bool called = false;
  // Scaling every gradient by 0 (as a stand-in for an all-reduce) must show in the reported norm.
  const StepResult r = TrainStep(cfg).run(model, *optimizer, batch, {1e-3, 0.9}, [&](CenterPoint& m) {
    called = true;
    for (auto& p : m->parameters()) {
      if (p.grad().defined()) p.mutable_grad().zero_();
    }
  });
  EXPECT_TRUE(called);
  EXPECT_EQ(r.gradNorm, 0.0);
}

// The tiny network learns two fixed frames: the loss must fall at least 5x within a bounded number of
// steps (AdamW with AWML's clip and weight decay, a constant lr).
TEST(TrainStep, TinyModelOverfitsTwoFrames) {
  const CenterPointConfig cfg = testing::overfitConfig();
  const TrainBatch batch = BatchCollator(cfg).collate(fixedFrames(cfg));
  CenterPoint model = makeRandomCenterPoint(cfg, 7);
  auto optimizer = makeAdamW(model, cfg.optimizer);
  const TrainStep step(cfg);
  const int maxSteps = 300;
  double first = 0, last = 0;
  int steps = 0;
  const auto start = std::chrono::steady_clock::now();
  for (; steps < maxSteps; ++steps) {
    const StepResult r = step.run(model, *optimizer, batch, {3e-3, 0.9});
    if (steps == 0) first = r.loss;
    last = r.loss;
    if (last * 5 < first && steps >= 10) break;
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
      (steps + 1);
  std::printf("overfit: loss %.4f -> %.4f in %d steps, %.1f ms per step (batch 2, %lld pillars)\n", first,
              last, steps + 1, ms, static_cast<long long>(batch.features.size(0)));
  EXPECT_LT(last * 5, first);
}

}  // namespace
}  // namespace cpq
