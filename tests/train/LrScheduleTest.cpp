#include <gtest/gtest.h>

#include <cmath>

#include "train/LrSchedule.h"

namespace cpq {
namespace {

constexpr double kPi = 3.14159265358979323846;

OptimizerConfig awmlOptimizer() {
  OptimizerConfig o;  // lr 3e-4, x10 over int(20 * 0.3) = 6 epochs, then down to 1e-4 x
  o.epochs = 20;
  return o;
}

TEST(LrSchedule, KeyStepsOfTheAwmlSchedule) {
  const TwoPhaseCosineSchedule s = awmlSchedule(awmlOptimizer(), 10);
  EXPECT_EQ(s.totalSteps, 200);
  EXPECT_EQ(s.phase1Steps, 60);
  EXPECT_DOUBLE_EQ(s.at(0).lr, 3e-4);
  EXPECT_DOUBLE_EQ(s.at(0).beta1, 0.9);
  EXPECT_NEAR(s.at(30).lr, (3e-4 + 3e-3) / 2, 1e-15);  // halfway up
  EXPECT_NEAR(s.at(30).beta1, (0.9 + 0.85 / 0.95) / 2, 1e-15);
  const double top = 3e-3 + (3e-4 - 3e-3) * (1 + std::cos(kPi * 59 / 60)) / 2;
  EXPECT_NEAR(s.at(59).lr, top, 1e-15);
  EXPECT_LT(s.at(59).lr, 3e-3);
  EXPECT_DOUBLE_EQ(s.at(60).lr, s.at(59).lr);          // phase 2 starts from where phase 1 left off
  EXPECT_NEAR(s.at(130).lr, (top + 3e-8) / 2, 1e-15);  // halfway down (70 of 140)
  EXPECT_NEAR(s.at(199).lr, 3e-8 + (top - 3e-8) * (1 + std::cos(kPi * 139 / 140)) / 2, 1e-15);
  EXPECT_DOUBLE_EQ(s.at(500).lr, s.at(199).lr);  // the last value holds
  EXPECT_LT(s.at(199).beta1, 1.0);
  EXPECT_GT(s.at(199).beta1, 0.9999);
}

// mmengine computes the values recursively (the "chainable form"), each scheduler from the value the
// optimizer holds; the closed form must agree at every step.
TEST(LrSchedule, EqualsMmengineChainableRecursion) {
  const OptimizerConfig cfg = awmlOptimizer();
  const int64_t iters = 7;
  const TwoPhaseCosineSchedule s = awmlSchedule(cfg, iters);
  const int64_t p1 = 6 * iters, total = 20 * iters;
  struct Cosine {
    int64_t begin, end;
    double etaMin;
  };
  double lr = cfg.lr;
  const Cosine phases[2] = {{0, p1, cfg.lr * 10}, {p1, total, cfg.lr * 1e-4}};
  int64_t last[2] = {-1, -1};
  for (int64_t global = 0; global < total; ++global) {
    // scheduler.step() for iteration `global` (run at construction for 0, after each iteration after)
    for (int k = 0; k < 2; ++k) {
      const Cosine& c = phases[k];
      if (global < c.begin || global >= c.end) continue;
      const int64_t t = ++last[k], period = c.end - c.begin;
      if (t == 0) continue;  // keeps the current value
      lr = (1 + std::cos(kPi * t / period)) / (1 + std::cos(kPi * (t - 1) / period)) * (lr - c.etaMin) +
           c.etaMin;
    }
    ASSERT_NEAR(s.at(global).lr, lr, 1e-12 * cfg.lr * 10) << global;
  }
}

TEST(LrSchedule, StepCountVariantAndValidation) {
  const TwoPhaseCosineSchedule s = awmlScheduleForSteps(awmlOptimizer(), 100);
  EXPECT_EQ(s.phase1Steps, 30);
  EXPECT_EQ(s.totalSteps, 100);
  EXPECT_THROW(awmlScheduleForSteps(awmlOptimizer(), 0), std::exception);
  EXPECT_THROW(awmlSchedule(awmlOptimizer(), 0), std::exception);
}

}  // namespace
}  // namespace cpq
