#pragma once
// Calibration over dataset frames: the CalibrationManager fed by the background prefetcher, batches of
// `batchSize` frames through the network, a progress bar, then all amax at once.
#include <string>
#include <vector>

#include "dataset/DetectionDataset.h"
#include "infer/InferencePipeline.h"
#include "quant/CalibrationManager.h"

namespace cpq {

struct DatasetCalibrationOptions {
  int64_t batches = 128;  // wanted calibration batches
  int64_t batchSize = 1;  // frames per batch
  bool strict = false;    // refuse when the split has fewer frames than batches * batchSize
  AmaxOptions amax;
};

struct DatasetCalibrationResult {
  std::vector<LayerCalibration> layers;
  int64_t batches = 0, frames = 0;
  double collectSeconds = 0;  // forward passes with statistics
  double amaxSeconds = 0;     // computing every amax
};

// The first batches * batchSize frames of `indices` (fewer when the split is shorter: a warning, or a
// cpq::Error with strict). The pipeline's model must carry quantizers; they end quantizing.
DatasetCalibrationResult calibrateOnDataset(InferencePipeline& pipeline, const DetectionDataset& dataset,
                                            const std::vector<size_t>& indices,
                                            const DatasetCalibrationOptions& options);

}  // namespace cpq
