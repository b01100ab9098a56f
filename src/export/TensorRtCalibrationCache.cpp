#include "export/TensorRtCalibrationCache.h"

#include <fmt/format.h>

#include <cstring>
#include <sstream>
#include <stdexcept>

#include "core/Error.h"
#include "export/BackboneNeckHeadOnnx.h"
#include "export/VoxelEncoderOnnx.h"
#include "quant/FakeQuantize.h"
#include "quant/LayerSqnr.h"
#include "quant/QuantInsertion.h"

namespace cpq {

std::map<std::string, std::string> layerInputTensors(CenterPoint& model, const CenterPointConfig& cfg) {
  // The float graphs: quantizers off while building, restored after.
  const auto layers = quantizedLayers(*model);
  QuantizerStateSnapshot snapshot(*model);
  setQuantizerStates(*model, QuantizerState::Disabled);
  OnnxExportOptions o;
  std::map<std::string, std::string> inputs;
  for (const onnx::ModelProto& m :
       {buildVoxelEncoderModel(model, cfg, o), buildBackboneNeckHeadModel(model, cfg, o)})
    for (const auto& node : m.graph().node())
      if (node.op_type() == "Conv" || node.op_type() == "ConvTranspose" || node.op_type() == "MatMul")
        inputs[node.name()] = node.input(0);
  snapshot.restore();
  std::map<std::string, std::string> out;
  for (const auto& [name, layer] : layers) {
    auto it = inputs.find(name);
    if (it == inputs.end()) throw std::logic_error("no ONNX node named " + name + " in the float export");
    out[name] = it->second;
  }
  return out;
}

std::string tensorRtCalibrationCache(CenterPoint& model, const CenterPointConfig& cfg,
                                     const std::vector<LayerCalibration>& layers) {
  std::map<std::string, double> tensorAmax;
  for (const auto& [layer, tensor] : layerInputTensors(model, cfg))
    for (const auto& l : layers)
      if (l.layer == layer) tensorAmax[tensor] = l.inputAmax;
  return tensorRtCalibrationCache(tensorAmax);
}

std::string tensorRtCalibrationCache(const std::map<std::string, double>& tensorAmax) {
  std::string text = std::string(kTensorRtCalibratorName) + "\n";
  for (const auto& [tensor, amax] : tensorAmax) {
    if (!(amax > kDeadAmax)) continue;  // dead (the layer stays float); NaN never reaches here
    const float scale = static_cast<float>(amax / 127.0);
    uint32_t bits = 0;
    std::memcpy(&bits, &scale, 4);
    text += fmt::format("{}: {:08x}\n", tensor, bits);  // big-endian hex digits of the bit pattern
  }
  return text;
}

std::map<std::string, float> parseTensorRtCalibrationCache(const std::string& text,
                                                           const std::string& source) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line.rfind("TRT-", 0) != 0)
    throw fileError(source,
                    "not a TensorRT calibration cache (first line must name the calibrator, TRT-...)");
  std::map<std::string, float> scales;
  int lineNo = 1;
  while (std::getline(in, line)) {
    ++lineNo;
    if (line.empty()) continue;
    const size_t colon = line.rfind(": ");
    if (colon == std::string::npos || line.size() - colon - 2 != 8)
      throw fileError(source, fmt::format("line {}: expected '<tensor>: <8 hex digits>'", lineNo));
    uint32_t bits = 0;
    try {
      size_t used = 0;
      bits = static_cast<uint32_t>(std::stoul(line.substr(colon + 2), &used, 16));
      if (used != 8) throw std::invalid_argument("hex");
    } catch (const std::exception&) {
      throw fileError(source,
                      fmt::format("line {}: '{}' is not 8 hex digits", lineNo, line.substr(colon + 2)));
    }
    float scale = 0;
    std::memcpy(&scale, &bits, 4);
    scales[line.substr(0, colon)] = scale;
  }
  return scales;
}

}  // namespace cpq
