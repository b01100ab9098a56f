#pragma once
// Calibration results outside the model: a JSON file keyed by pytorch-quantization's names
// (`<layer>._input_quantizer._amax`, `<layer>._weight_quantizer._amax`), and TensorRT's calibration
// cache (specs/quantization.md §3): first line the calibrator name, then `<tensor>: <hex>` per activation
// tensor, hex = the big-endian IEEE-754 bits of the float32 scale amax / 127.
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "config/CenterPointConfig.h"
#include "model/CenterPoint.h"
#include "quant/CalibrationManager.h"

namespace cpq {

constexpr const char* kCalibrationFormat = "centerpoint-quant/calibration/v1";
constexpr const char* kTensorRtCalibratorName = "TRT-8501-EntropyCalibration2";

// The JSON: {"format", "method", "batches", "amax": {name: number | [numbers]}, "layers": [...]}.
nlohmann::ordered_json calibrationToJson(torch::nn::Module& model, const std::vector<LayerCalibration>& layers,
                                 const std::string& method, int64_t batches);
// Sets every quantized layer's amax from such a file (all quantizers then quantizing). cpq::Error naming
// the file for: bad JSON / format, a key for a layer the model does not quantize (a file from another
// model), a quantized layer without its keys, a shape mismatch.
void applyCalibrationFile(torch::nn::Module& model, const std::string& path);
void applyCalibrationJson(torch::nn::Module& model, const nlohmann::json& j, const std::string& source);

// The ONNX tensor each quantized layer reads (its data input in the float export graphs), by layer name.
std::map<std::string, std::string> layerInputTensors(CenterPoint& model, const CenterPointConfig& cfg);

// TensorRT cache text from tensor name -> amax.
std::string tensorRtCalibrationCache(const std::map<std::string, double>& tensorAmax);
// Parses such a cache back into tensor name -> scale (amax / 127). cpq::Error naming source when malformed.
std::map<std::string, float> parseTensorRtCalibrationCache(const std::string& text, const std::string& source);

}  // namespace cpq
