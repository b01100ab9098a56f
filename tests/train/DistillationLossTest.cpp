// The QAT distillation loss against hand-computed values: the teacher's confidence weights the cells, the
// code weights the channels, and no gradient reaches the teacher.
#include <gtest/gtest.h>

#include <cmath>

#include "core/Error.h"
#include "support/TinyConfig.h"
#include "train/DistillationLoss.h"

namespace cpq {
namespace {

// One task, batch 1, one class, a 1 x 2 map; every output zero unless set.
TaskOutputs zeroTask(bool requiresGrad) {
  TaskOutputs t{at::zeros({1, 1, 1, 2}), at::zeros({1, 2, 1, 2}), at::zeros({1, 1, 1, 2}),
                at::zeros({1, 3, 1, 2}), at::zeros({1, 2, 1, 2}), at::zeros({1, 2, 1, 2})};
  for (at::Tensor* x : {&t.heatmap, &t.reg, &t.height, &t.dim, &t.rot, &t.vel})
    x->requires_grad_(requiresGrad);
  return t;
}

TEST(DistillationLoss, IsZeroWhenTheStudentMatchesTheTeacher) {
  const CenterPointConfig cfg = testing::tinyConfig();
  torch::manual_seed(3);
  TaskOutputs t = zeroTask(false);
  t.heatmap = at::randn({1, 1, 1, 2});
  t.dim = at::randn({1, 3, 1, 2});
  const LossTerms l = distillationLoss(cfg, {t}, {t});
  EXPECT_EQ(l.total.item<float>(), 0.0f);
  ASSERT_EQ(l.terms.size(), 2u);
  EXPECT_EQ(l.terms[0].first, "task0.distill_heatmap");
  EXPECT_EQ(l.terms[1].first, "task0.distill_bbox");
}

TEST(DistillationLoss, HandComputedCase) {
  CenterPointConfig cfg = testing::tinyConfig();
  cfg.trainTargets.codeWeights = {1, 1, 1, 1, 1, 1, 1, 1, 0.2f, 0.2f};
  cfg.trainTargets.lossBboxWeight = 0.25f;
  TaskOutputs student = zeroTask(true);
  TaskOutputs teacher = zeroTask(true);
  {
    torch::NoGradGuard g;
    teacher.heatmap[0][0][0][1] = std::log(3.0f);  // sigmoid = 0.75; cell 0 stays at 0.5
    teacher.reg[0][0][0][1] = 2.0f;                // |diff| 2, code weight 1, cell weight 0.75
    teacher.vel[0][0][0][0] = 1.0f;                // |diff| 1, code weight 0.2, cell weight 0.5
  }
  const LossTerms l = distillationLoss(cfg, {student}, {teacher});
  // weights w = (0.5, 0.75), their sum 1.25
  EXPECT_NEAR(l.term("task0.distill_heatmap").item<double>(), (0.25 * 0.25) / 1.25, 1e-6);
  EXPECT_NEAR(l.term("task0.distill_bbox").item<double>(), 0.25 * (2 * 0.75 + 0.2 * 0.5) / 1.25, 1e-6);
  l.total.backward();
  EXPECT_TRUE(student.reg.grad().defined());
  EXPECT_LT(student.reg.grad()[0][0][0][1].item<float>(), 0.0f);  // pulled up towards the teacher's 2
  EXPECT_EQ(student.reg.grad()[0][1].abs().sum().item<float>(), 0.0f);
  EXPECT_FALSE(teacher.reg.grad().defined());
  EXPECT_FALSE(teacher.heatmap.grad().defined());
}

TEST(DistillationLoss, BackgroundCellsCarryNoBoxLossAndTheNormIsAtLeastOne) {
  const CenterPointConfig cfg = testing::tinyConfig();
  TaskOutputs student = zeroTask(false);
  TaskOutputs teacher = zeroTask(false);
  teacher.heatmap = at::full({1, 1, 1, 2}, -2.3f);  // sigmoid 0.091 <= 0.1: background, the norm clamps to 1
  teacher.dim = at::ones({1, 3, 1, 2});
  student.heatmap = at::full({1, 1, 1, 2}, -2.0f);
  const LossTerms l = distillationLoss(cfg, {student}, {teacher});
  EXPECT_EQ(l.term("task0.distill_bbox").item<double>(), 0.0);
  // The heatmap still counts everywhere (a background cell rising above the threshold is a false positive).
  const double s = 1 / (1 + std::exp(2.0)), t = 1 / (1 + std::exp(2.3));
  EXPECT_NEAR(l.term("task0.distill_heatmap").item<double>(), 2 * (s - t) * (s - t), 1e-7);
}

TEST(DistillationLoss, TaskCountMismatchIsAnError) {
  const CenterPointConfig cfg = testing::tinyConfig();
  const TaskOutputs t = zeroTask(false);
  EXPECT_THROW(distillationLoss(cfg, {t, t}, {t}), Error);
}

}  // namespace
}  // namespace cpq
