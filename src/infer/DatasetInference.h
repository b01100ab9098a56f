#pragma once
// The detector over a list of dataset frames: points come through the background prefetcher, detections
// are returned per frame in the lidar frame and, for results files, moved to the global frame.
#include <string>
#include <vector>

#include "dataset/DetectionDataset.h"
#include "decode/Detection.h"
#include "eval/EvalBox.h"
#include "infer/InferencePipeline.h"

namespace cpq {

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

}  // namespace cpq
