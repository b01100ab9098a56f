#pragma once
// The detector over a list of dataset frames: points come through the background prefetcher, detections
// are returned per frame in the lidar frame and, for results files, moved to the global frame.
#include <string>
#include <vector>

#include "dataset/DetectionDataset.h"
#include "decode/Detection.h"
#include "eval/DatasetEvaluation.h"
#include "eval/EvalBox.h"
#include "eval/PairedBootstrap.h"
#include "infer/InferencePipeline.h"

namespace cpq {

// A split of a dataset root as the config's model sees it (sweeps, classes, name mapping); splitsFile and
// version may be empty.
DatasetOptions datasetOptionsFor(const CenterPointConfig& cfg, const std::string& dataRoot,
                                 const std::string& split, const std::string& splitsFile = "",
                                 const std::string& version = "");

struct DatasetInferenceStats {
  size_t frames = 0;
  int64_t points = 0;
  int64_t droppedNonFinite = 0;
  double seconds = 0;  // wall time including loading
};

// Runs `pipeline` on dataset frames `indices` (in that order) with a progress bar labelled `label`.
std::vector<std::vector<Detection>> detectOnDataset(InferencePipeline& pipeline,
                                                    const DetectionDataset& dataset,
                                                    const std::vector<size_t>& indices,
                                                    const std::string& label,
                                                    DatasetInferenceStats* stats = nullptr);

// Detections of each frame as global-frame results boxes named by `classNames`; every frame becomes a
// sample, also one without detections.
EvalBoxes detectionsToResults(const DetectionDataset& dataset, const std::vector<size_t>& indices,
                              const std::vector<std::vector<Detection>>& detections,
                              const std::vector<std::string>& classNames);

// 0, 1, ..., n - 1 with n = count, or min(count, max) when max > 0: the first frames of a split.
std::vector<size_t> frameIndices(size_t count, size_t max = 0);

// The point clouds of these frames, loaded into memory (for measurements that run them repeatedly).
std::vector<at::Tensor> loadPointClouds(const DetectionDataset& dataset, const std::vector<size_t>& indices);

// What the evaluation options of a config are: its range-bucketed mAP, plus the nuScenes metric when
// withNuScenes and some config class is a devkit class.
EvaluationOptions evaluationOptionsFor(const CenterPointConfig& cfg, bool withNuScenes);

// A model scored on dataset frames, kept for paired comparisons with another model on the same frames.
struct ScoredRun {
  EvaluationReport report;
  std::vector<std::vector<Detection>> detections;  // per frame, lidar frame
  ResampledMetrics resampled;                      // the report's mAPs as frame-weighted curves
};

// The detector over `indices` scored with evaluationOptionsFor(cfg, withNuScenes).
ScoredRun scoreOnDataset(InferencePipeline& pipeline, const DetectionDataset& dataset,
                         const std::vector<size_t>& indices, const CenterPointConfig& cfg,
                         const std::string& label, bool withNuScenes);

// scoreOnDataset's report alone: what validation reports.
EvaluationReport evaluateOnDataset(InferencePipeline& pipeline, const DetectionDataset& dataset,
                                   const std::vector<size_t>& indices, const CenterPointConfig& cfg,
                                   const std::string& label, bool withNuScenes);

}  // namespace cpq
