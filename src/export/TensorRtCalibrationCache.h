#pragma once
// TensorRT's calibration cache (docs/quantization.md): first line the calibrator name, then
// `<tensor>: <hex>` per activation tensor, hex = the big-endian IEEE-754 bits of the float32 scale
// amax / 127. The tensors are named as in our float ONNX graphs, which is why this lives with the export.
#include <map>
#include <string>
#include <vector>

#include "config/CenterPointConfig.h"
#include "model/CenterPoint.h"
#include "quant/CalibrationManager.h"

namespace cpq {

constexpr const char* kTensorRtCalibratorName = "TRT-8501-EntropyCalibration2";

// The ONNX tensor each quantized layer reads (its data input in the float export graphs), by layer name.
std::map<std::string, std::string> layerInputTensors(CenterPoint& model, const CenterPointConfig& cfg);

// TensorRT cache text from tensor name -> amax. A dead amax (<= 2^-24) is left out: a tensor without a
// scale keeps its layer in float in TensorRT's implicit quantization, as the fake-quant model keeps it.
std::string tensorRtCalibrationCache(const std::map<std::string, double>& tensorAmax);
// Parses such a cache back into tensor name -> scale (amax / 127). cpq::Error naming source when malformed.
std::map<std::string, float> parseTensorRtCalibrationCache(const std::string& text,
                                                           const std::string& source);

// The cache of a calibrated model: each quantized layer's input amax under the ONNX tensor it reads.
std::string tensorRtCalibrationCache(CenterPoint& model, const CenterPointConfig& cfg,
                                     const std::vector<LayerCalibration>& layers);

}  // namespace cpq
