#pragma once
// Scores predictions against a dataset split: the nuScenes detection metric (global frame, devkit filters)
// and the range-bucketed mAP (lidar frame, config classes and buckets), and writes metrics.json and the
// Markdown summary. The same code serves `eval` with a model, `eval --results` and the PTQ report.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset/Sample.h"
#include "eval/BoxFilter.h"
#include "eval/DetectionConfig.h"
#include "eval/DetectionMetrics.h"
#include "eval/EvalBox.h"
#include "eval/RangeBucketedMap.h"

namespace cpq {

struct EvaluationOptions {
  std::optional<DetectionConfig> nuscenes;        // the nuScenes metric, when wanted
  std::optional<RangeBucketConfig> rangeBuckets;  // the T4-style metric, when wanted
};

struct EvaluationReport {
  std::optional<DetectionMetrics> nuscenes;
  std::optional<RangeBucketedResult> t4;
  size_t frames = 0;

  nlohmann::ordered_json toJson() const;  // metrics.json (docs/evaluation.md)
  std::string summaryMarkdown() const;    // tables per class and per range
};

// The devkit config restricted to `classes` (in the devkit's order); the full devkit config when empty.
// Throws cpq::Error when none of `classes` is a nuScenes detection class.
DetectionConfig nuscenesConfigFor(const std::vector<std::string>& classes);

// GT of the given samples in the global frame with devkit detection names (boxes of other categories
// are kept with an empty name, so the devkit filter drops them), plus the filter context (ego positions,
// bicycle racks).
struct NuScenesGroundTruth {
  EvalBoxes boxes;
  FilterContext context;
};
NuScenesGroundTruth nuscenesGroundTruth(const std::vector<const SampleInfo*>& samples);

// GT of the given samples in the lidar frame, named by the dataset's class mapping (GtBox::className).
EvalBoxes lidarGroundTruth(const std::vector<const SampleInfo*>& samples);

// The boxes each metric scores, as evaluatePredictions prepares them: nuScenes GT and predictions in the
// global frame after the devkit's filters; range-bucket GT and predictions in the lidar frame. GT holds
// every sample in the given order (also those without boxes).
struct PreparedEvaluation {
  std::optional<DetectionConfig> nuscenesConfig;
  EvalBoxes nuscenesGt, nuscenesPred;
  std::optional<RangeBucketConfig> rangeBuckets;
  EvalBoxes lidarGt, lidarPred;
};
// Validates the predictions as the devkit does (`source` names them in messages) and prepares them.
PreparedEvaluation prepareEvaluation(const std::vector<const SampleInfo*>& samples,
                                     const EvalBoxes& predGlobal, const EvaluationOptions& options,
                                     const std::string& source);

// The metrics of prepared boxes over `frames` frames.
EvaluationReport evaluatePrepared(const PreparedEvaluation& prepared, size_t frames);

// Scores global-frame predictions over exactly these samples. `source` names the predictions in messages
// (a results file path, or "model predictions"); predictions are validated as the devkit does.
EvaluationReport evaluatePredictions(const std::vector<const SampleInfo*>& samples,
                                     const EvalBoxes& predGlobal, const EvaluationOptions& options,
                                     const std::string& source);

}  // namespace cpq
