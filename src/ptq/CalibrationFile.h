#pragma once
// Calibration results outside the model: a JSON file keyed by pytorch-quantization's names
// (`<layer>._input_quantizer._amax`, `<layer>._weight_quantizer._amax`). TensorRT's calibration cache is
// export/TensorRtCalibrationCache.h.
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include <torch/nn/module.h>

#include "quant/CalibrationManager.h"

namespace cpq {

constexpr const char* kCalibrationFormat = "centerpoint-quant/calibration/v1";

// The JSON: {"format", "method", "batches", "amax": {name: number | [numbers]}, "layers": [...]}.
nlohmann::ordered_json calibrationToJson(torch::nn::Module& model,
                                         const std::vector<LayerCalibration>& layers,
                                         const std::string& method, int64_t batches);
// Sets every quantized layer's amax from such a file (all quantizers then quantizing). cpq::Error naming
// the file for: bad JSON / format, a key for a layer the model does not quantize (a file from another
// model), a quantized layer without its keys, a shape mismatch.
void applyCalibrationFile(torch::nn::Module& model, const std::string& path);
void applyCalibrationJson(torch::nn::Module& model, const nlohmann::json& j, const std::string& source);

}  // namespace cpq
