#include "train/LrSchedule.h"

#include <algorithm>
#include <cmath>

#include "core/Error.h"

namespace cpq {
namespace {

constexpr double kPi = 3.14159265358979323846;

// mmengine's cosine from `start` (at k = 0) towards `target` (reached at k = period).
double cosine(double start, double target, int64_t k, int64_t period) {
  return target + (start - target) *
                      (1.0 + std::cos(kPi * static_cast<double>(k) / static_cast<double>(period))) / 2.0;
}

double twoPhase(int64_t step, int64_t total, int64_t p1, double base, double peak, double final) {
  step = std::clamp<int64_t>(step, 0, total - 1);
  if (step < p1) return cosine(base, peak, step, p1);
  const double start = p1 > 0 ? cosine(base, peak, p1 - 1, p1) : base;
  return cosine(start, final, step - p1, total - p1);
}

TwoPhaseCosineSchedule make(const OptimizerConfig& cfg, int64_t total, int64_t phase1) {
  if (total < 1) throw Error("schedule: the run needs at least one iteration");
  if (phase1 >= total) throw Error("schedule: the rising phase must leave iterations for the falling one");
  TwoPhaseCosineSchedule s;
  s.totalSteps = total;
  s.phase1Steps = std::max<int64_t>(phase1, 0);
  s.baseLr = cfg.lr;
  s.peakLr = cfg.lr * cfg.maxLrRatio;
  s.finalLr = cfg.lr * cfg.minLrRatio;
  return s;
}

}  // namespace

ScheduleValues TwoPhaseCosineSchedule::at(int64_t step) const {
  return {twoPhase(step, totalSteps, phase1Steps, baseLr, peakLr, finalLr),
          twoPhase(step, totalSteps, phase1Steps, baseBeta1, peakBeta1, finalBeta1)};
}

TwoPhaseCosineSchedule awmlSchedule(const OptimizerConfig& cfg, int64_t itersPerEpoch) {
  if (itersPerEpoch < 1) throw Error("schedule: an epoch needs at least one iteration");
  // Python's int() of a positive float truncates.
  const auto phase1Epochs = static_cast<int64_t>(cfg.epochs * cfg.warmupFraction);
  return make(cfg, static_cast<int64_t>(cfg.epochs) * itersPerEpoch, phase1Epochs * itersPerEpoch);
}

TwoPhaseCosineSchedule awmlScheduleForSteps(const OptimizerConfig& cfg, int64_t totalSteps) {
  return make(cfg, totalSteps,
              static_cast<int64_t>(std::floor(static_cast<double>(totalSteps) * cfg.warmupFraction)));
}

}  // namespace cpq
