#pragma once
// The PTQ report: FP32 vs INT8 metrics (docs/evaluation.md, 'metrics.json layout'; mAP as fractions) and one
// row per quantized layer (amax, method, SQNR of its output against float), as JSON and as Markdown tables.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "eval/DatasetEvaluation.h"
#include "eval/PairedBootstrap.h"
#include "quant/CalibrationManager.h"
#include "quant/LayerSqnr.h"

namespace cpq {

struct PtqReport {
  EvaluationReport fp32, int8;
  std::optional<PairedComparison> paired;  // FP32 vs INT8 with bootstrap intervals
  std::vector<PairedComparison> noise;     // the same on the first 50, 100, ... frames (optional)
  std::vector<LayerCalibration> layers;
  std::vector<LayerSqnr> sqnr;           // same layers, network order (may be empty)
  std::vector<std::string> floatLayers;  // quant-capable layers kept float
  nlohmann::ordered_json settings;       // command, recipe, data, timings
  nlohmann::ordered_json methods;        // the output-error methods' results (ptq/Calibration methodsToJson)
  std::vector<std::string> figures;  // Markdown of each figure written beside the report (image + caption)

  // {"settings", "fp32", "int8", "paired" and "noise" (when computed), "layers", "float_layers"}
  nlohmann::ordered_json toJson() const;
  std::string markdown() const;
  // The FP32 vs INT8 range-bucket table printed at the end of `ptq`.
  std::string consoleTable() const;
};

}  // namespace cpq
