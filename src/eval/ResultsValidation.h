#pragma once
// Everything the devkit asserts about a results set (load_prediction, DetectionBox, DetectionEval), turned
// into one clear cpq::Error naming the results file and the offending sample token instead of an assert.
#include <string>

#include <nlohmann/json.hpp>

#include "eval/DetectionConfig.h"
#include "eval/EvalBox.h"

namespace cpq {

// Checks each prediction (finite score, known class, finite translation/size/rotation, positive size),
// at most cfg.maxBoxesPerSample boxes per sample, no sample token unknown to gt, and every gt sample
// present. `what` names the source (a file path) in the message.
void validatePredictions(const EvalBoxes& pred, const EvalBoxes& gt, const DetectionConfig& cfg,
                         const std::string& what);

// Parses a nuScenes submission ({"meta": ..., "results": {token: [box...]}}) into boxes in file order,
// checking each box as validatePredictions does (not the GT token set). Velocity null/NaN is allowed.
EvalBoxes parseResults(const nlohmann::ordered_json& j, const DetectionConfig& cfg, const std::string& what);
EvalBoxes loadResultsFile(const std::string& path, const DetectionConfig& cfg);

}  // namespace cpq
