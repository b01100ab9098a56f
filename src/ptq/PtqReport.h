#pragma once
// The PTQ report: FP32 vs INT8 metrics (docs/evaluation.md, 'metrics.json layout'; mAP as fractions) and one
// row per quantized layer (amax, method, SQNR of its output against float), as JSON and as Markdown tables.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "eval/DatasetEvaluation.h"
#include "quant/CalibrationManager.h"
#include "quant/LayerSqnr.h"

namespace cpq {

struct PtqReport {
  EvaluationReport fp32, int8;
  std::vector<LayerCalibration> layers;
  std::vector<LayerSqnr> sqnr;         // same layers, network order (may be empty)
  std::vector<std::string> floatLayers;  // quant-capable layers kept float
  nlohmann::ordered_json settings;     // command, recipe, data, timings

  nlohmann::ordered_json toJson() const;  // {"settings", "fp32", "int8", "layers", "float_layers"}
  std::string markdown() const;
  // The FP32 vs INT8 range-bucket table printed at the end of `ptq`.
  std::string consoleTable() const;
};

}  // namespace cpq
