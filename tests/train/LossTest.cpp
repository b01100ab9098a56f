#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "train/BoxRegressionLoss.h"
#include "train/CenterPointLoss.h"
#include "train/GaussianFocalLoss.h"
#include "train/TrainTestSupport.h"

namespace cpq {
namespace {

constexpr double kFltEps = std::numeric_limits<float>::epsilon();

TEST(GaussianFocalLoss, MatchesHandComputation) {
  const at::Tensor pred = at::tensor({0.8f, 0.3f, 0.1f, 0.6f}).view({2, 2});
  const at::Tensor target = at::tensor({1.0f, 0.5f, 0.0f, 0.25f}).view({2, 2});
  // positive (target 1): -log(0.8) (1 - 0.8)^2
  // negatives: -log(1 - p) p^2 (1 - t)^4
  const double expected = -std::log(0.8) * 0.04 + -std::log(0.7) * 0.09 * std::pow(0.5, 4) +
                          -std::log(0.9) * 0.01 * 1.0 + -std::log(0.4) * 0.36 * std::pow(0.75, 4);
  const at::Tensor avg = heatmapAvgFactor(target);
  EXPECT_EQ(avg.item<float>(), 1.0f);
  EXPECT_NEAR(gaussianFocalLoss(pred, target, avg).item<double>(), expected / (1 + kFltEps), 1e-6);
  // avg_factor divides the sum
  EXPECT_NEAR(gaussianFocalLoss(pred, target, at::scalar_tensor(4.0f)).item<double>(), expected / 4, 1e-6);
}

TEST(GaussianFocalLoss, AvgFactorCountsPeaksWithFloorOne) {
  EXPECT_EQ(heatmapAvgFactor(at::zeros({3, 4})).item<float>(), 1.0f);
  at::Tensor t = at::zeros({2, 3, 4});
  t[0][1][2] = 1;
  t[1][0][0] = 1;
  t[1][2][3] = 1;
  t[1][2][2] = 0.99f;
  EXPECT_EQ(heatmapAvgFactor(t).item<float>(), 3.0f);
}

TEST(GaussianFocalLoss, ClipSigmoidClampsAndStopsGradient) {
  at::Tensor logits = at::tensor({-20.0f, 0.0f, 20.0f}).set_requires_grad(true);
  const at::Tensor p = clipSigmoid(logits);
  EXPECT_FLOAT_EQ(p[0].item<float>(), 1e-4f);
  EXPECT_FLOAT_EQ(p[1].item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(p[2].item<float>(), 1.0f - 1e-4f);
  p.sum().backward();
  EXPECT_EQ(logits.grad()[0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(logits.grad()[1].item<float>(), 0.25f);
}

TEST(BoxRegressionLoss, GathersTheHeadAtTheTargetCells) {
  TaskOutputs t;
  const at::Tensor maps = at::arange(2 * 10 * 2 * 3, at::kFloat).view({2, 10, 2, 3});
  t.reg = maps.slice(1, 0, 2);
  t.height = maps.slice(1, 2, 3);
  t.dim = maps.slice(1, 3, 6);
  t.rot = maps.slice(1, 6, 8);
  t.vel = maps.slice(1, 8, 10);
  const at::Tensor ind = at::tensor({4, 0, 5, 1}, at::kLong).view({2, 2});  // frame 0: (1, 1), (0, 0) ...
  const at::Tensor g = gatherBoxPredictions(t, ind);
  ASSERT_EQ(g.sizes(), (at::IntArrayRef{2, 2, 10}));
  for (int64_t c = 0; c < 10; ++c) {
    EXPECT_EQ(g[0][0][c].item<float>(), maps[0][c][1][1].item<float>());
    EXPECT_EQ(g[0][1][c].item<float>(), maps[0][c][0][0].item<float>());
    EXPECT_EQ(g[1][0][c].item<float>(), maps[1][c][1][2].item<float>());
  }
}

TEST(BoxRegressionLoss, MatchesHandComputation) {
  // One frame, two slots, only the first assigned: the second slot's huge error must not count.
  at::Tensor pred = at::zeros({1, 2, 10});
  at::Tensor target = at::zeros({1, 2, 10});
  pred[0][0] = at::tensor({1.0f, 2.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 3.0f, -1.0f});
  target[0][0] = at::tensor({0.5f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 1.0f});
  pred[0][1].fill_(100.0f);
  const at::Tensor mask = at::tensor({1, 0}, at::kByte).view({1, 2});
  const std::vector<float> code{1, 1, 1, 1, 1, 1, 1, 1, 0.2f, 0.2f};
  // |0.5| + |2| + 0.2 |2| + 0.2 |-2| = 3.3; / (1 + 1e-4 + eps); * 0.25
  const double expected = 0.25 * 3.3 / (1 + 1e-4 + kFltEps);
  EXPECT_NEAR(boxRegressionLoss(pred, target, mask, code, 0.25).item<double>(), expected, 1e-6);
  // No boxes: zero, not NaN (the 1e-4 in the divisor).
  EXPECT_EQ(boxRegressionLoss(pred, target, at::zeros({1, 2}, at::kByte), code, 0.25).item<float>(), 0.0f);
}

TEST(CenterPointLoss, NamesTermsPerTaskAndSumsThem) {
  const CenterPointConfig cfg = testing::tinyConfig();
  const Targets targets = stackTargets({assignTargets(
      cfg, {testing::makeBox(0, 0, 0, 4, 2, 1.5, 0, 0), testing::makeBox(2, 1, 0, 0.6, 0.6, 1.7, 0, 4)})});
  HeadOutputs head;
  for (const int classes : {3, 2}) {
    TaskOutputs t;
    t.heatmap = at::full({1, classes, 16, 16}, -4.595f);
    t.reg = at::zeros({1, 2, 16, 16});
    t.height = at::zeros({1, 1, 16, 16});
    t.dim = at::zeros({1, 3, 16, 16});
    t.rot = at::zeros({1, 2, 16, 16});
    t.vel = at::zeros({1, 2, 16, 16});
    head.push_back(t);
  }
  const LossTerms losses = computeLosses(cfg, head, targets);
  ASSERT_EQ(losses.terms.size(), 4u);
  EXPECT_EQ(losses.terms[0].first, "task0.loss_heatmap");
  EXPECT_EQ(losses.terms[1].first, "task0.loss_bbox");
  EXPECT_EQ(losses.terms[3].first, "task1.loss_bbox");
  double sum = 0;
  for (const auto& term : losses.terms) sum += term.second.item<double>();
  EXPECT_NEAR(losses.total.item<double>(), sum, 1e-5);
  // task 0's bbox loss by hand: one car, prediction 0 everywhere; target (offsets .0, .0 -> centre exactly
  // on a cell corner: (0 + 6.4) / 0.8 = 8), z 0, log 4, log 2, log 1.5, sin 0, cos 1, v 0.
  const double l1 = std::log(4.0) + std::log(2.0) + std::log(1.5) + 1.0;
  EXPECT_NEAR(losses.term("task0.loss_bbox").item<double>(), 0.25 * l1 / (1 + 1e-4 + kFltEps), 1e-5);
  EXPECT_THROW(losses.term("task2.loss_bbox"), std::exception);
}

}  // namespace
}  // namespace cpq
