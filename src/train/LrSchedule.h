#pragma once
// AWML's CenterPoint param_scheduler as a pure function of the iteration, so that a resumed run sets the
// very values the uninterrupted run would have (no scheduler state to save).
//
// AWML (mmengine, by_epoch with convert_to_iter_based, so every value changes per iteration):
//   CosineAnnealingLR      T_max = E1, eta_min = lr * 10,   begin 0,  end E1
//   CosineAnnealingLR      T_max = E2, eta_min = lr * 1e-4, begin E1, end E1 + E2
//   CosineAnnealingMomentum T_max = E1, eta_min = 0.85 / 0.95, begin 0, end E1
//   CosineAnnealingMomentum T_max = E2, eta_min = 1,        begin E1, end E1 + E2
// with E1 = int(max_epochs * 0.3) epochs (times the iterations per epoch). mmengine's eta_min is the value
// annealed *to*, so the first phase rises from lr to 10 lr. For AdamW "momentum" is betas[0] (base 0.9,
// PyTorch's default): it falls to 0.85/0.95 and then rises to 1.
//
// mmengine's chainable form works out to, for iteration i (0-based, the value the step uses):
//   phase 1, i < P:  v = eta1 + (v0 - eta1) (1 + cos(pi i / P)) / 2
//   phase 2, i >= P: v = eta2 + (v1 - eta2) (1 + cos(pi (i - P) / (T - P))) / 2
// where v1 is phase 1's last value, at i = P - 1 (the second scheduler starts from whatever value the
// first one left, which is a hair below 10 lr), so iterations P - 1 and P use the same value. Beyond the
// last iteration the last value holds, as mmengine leaves it.
#include <cstdint>

#include "config/CenterPointConfig.h"

namespace cpq {

struct ScheduleValues {
  double lr = 0;
  double beta1 = 0;
};

struct TwoPhaseCosineSchedule {
  int64_t totalSteps = 1;   // iterations of the whole run
  int64_t phase1Steps = 0;  // iterations of the rising phase
  double baseLr = 0, peakLr = 0, finalLr = 0;
  double baseBeta1 = 0.9, peakBeta1 = 0.85 / 0.95, finalBeta1 = 1.0;

  ScheduleValues at(int64_t step) const;
};

// AWML's split: phase 1 = int(epochs * warmupFraction) whole epochs.
TwoPhaseCosineSchedule awmlSchedule(const OptimizerConfig& cfg, int64_t itersPerEpoch);

// The same shape over a bare step count (phase 1 = floor(totalSteps * warmupFraction)), for runs not
// measured in epochs.
TwoPhaseCosineSchedule awmlScheduleForSteps(const OptimizerConfig& cfg, int64_t totalSteps);

}  // namespace cpq
