#pragma once
// AdamW's per-parameter state (step, exp_avg, exp_avg_sq) as a StateDict keyed by the parameters' AWML
// names, so it can sit in a safetensors file next to the weights and a resumed run continues the very
// moments the interrupted one had.
#include <torch/optim/adamw.h>

#include "checkpoint/StateDict.h"
#include "model/CenterPoint.h"

namespace cpq {

// "<param>.exp_avg", "<param>.exp_avg_sq", "<param>.step" (int64 scalar) for every parameter with state.
StateDict adamWStateDict(torch::optim::AdamW& optimizer, CenterPoint& model);

// Restores what adamWStateDict wrote; every trainable parameter must have all three entries with its
// shape. Throws cpq::Error naming `source` and the first missing or mis-shaped key.
void loadAdamWState(torch::optim::AdamW& optimizer, CenterPoint& model, const StateDict& sd,
                    const std::string& source);

}  // namespace cpq
