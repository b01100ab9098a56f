#pragma once
// Calibration of a prepared model (ptq/ModelPreparation) over dataset frames, the one sequence that ptq,
// qat, sensitivity, export and bench run: the CalibrationManager fed by the background prefetcher,
// batches of `batchSize` frames through the network, a progress bar, then all amax at once by the
// recipe's method. The quantizers end quantizing.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "dataset/DetectionDataset.h"
#include "infer/InferencePipeline.h"
#include "ptq/BiasCorrection.h"
#include "ptq/ChannelEqualization.h"
#include "ptq/OutputRangeSearch.h"
#include "ptq/QuantRecipe.h"
#include "quant/CalibrationManager.h"

namespace cpq {

struct CalibrationOptions {
  int64_t batchSize = 1;  // frames per batch (recipe.calibrationBatches batches)
  bool strict = false;    // refuse when the frames are fewer than batches * batchSize
};

struct CalibrationResult {
  std::vector<LayerCalibration> layers;
  std::string method;  // recipe.describe()
  int64_t batches = 0, frames = 0;
  double collectSeconds = 0;  // forward passes with statistics
  double amaxSeconds = 0;     // computing every amax
  // The output-error methods of the recipe (empty when it has none), in the order they ran: the samples'
  // capture, equalization before the statistics, range search and bias correction after the amax.
  std::vector<EqualizationResult> equalization;
  std::vector<RangeSearchResult> rangeSearch;
  std::vector<BiasCorrectionResult> biasCorrection;
  int64_t methodFrames = 0, methodRows = 0;  // frames sampled and rows kept over all layers
  double methodSeconds = 0;                  // capture + equalization + range search + bias correction
};

// The methods' results as the calibration JSON and the report record them ({} when none ran).
nlohmann::ordered_json methodsToJson(const CalibrationResult& result);

// The first recipe.calibrationBatches * options.batchSize frames of `indices` (fewer when the split is
// shorter: a warning, or a cpq::Error with strict). The pipeline's model must carry quantizers.
CalibrationResult calibrate(InferencePipeline& pipeline, const DetectionDataset& dataset,
                            const std::vector<size_t>& indices, const QuantRecipe& recipe,
                            const CalibrationOptions& options = {});

// The same on clouds already in memory, one batch of one cloud each (bench, tests); the methods sample
// the first recipe.methodFrames clouds.
CalibrationResult calibrate(InferencePipeline& pipeline, const std::vector<at::Tensor>& clouds,
                            const QuantRecipe& recipe);

}  // namespace cpq
