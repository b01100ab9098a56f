#pragma once
// The nuScenes detection submission format (docs/evaluation.md, 'Results format'): {"meta": ...,
// "results": {sample_token: [box, ...]}}, samples in the order given (dataset order), so that the devkit's
// tie-breaks are reproducible.
#include <nlohmann/json.hpp>

#include "eval/EvalBox.h"

namespace cpq {

// Global-frame predictions as a submission; every sample of `pred` appears, also those without boxes.
nlohmann::ordered_json resultsToJson(const EvalBoxes& pred);

}  // namespace cpq
