#include "ptq/CalibrationFile.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "quant/LayerSqnr.h"
#include "quant/QuantInsertion.h"

namespace cpq {
namespace {

const std::string kInputKey = "._input_quantizer._amax";
const std::string kWeightKey = "._weight_quantizer._amax";

nlohmann::ordered_json amaxToJson(const at::Tensor& amax) {
  const at::Tensor a = amax.detach().to(at::kCPU).to(at::kFloat).contiguous();
  if (a.dim() == 0) return a.item<float>();
  return std::vector<float>(a.data_ptr<float>(), a.data_ptr<float>() + a.numel());
}

// The amax shape a quantizer takes: its current one, else [] (per-tensor) or the keepdim per-axis shape of
// the weight it quantizes.
std::vector<int64_t> amaxShape(const TensorQuantizer& q, const QuantLayer* layer) {
  if (q->hasAmax()) return q->amax().sizes().vec();
  const auto& axis = q->descriptor().axis;
  if (!axis || !layer) return {};
  const at::Tensor& w = const_cast<QuantLayer*>(layer)->layerWeight();
  std::vector<int64_t> shape(static_cast<size_t>(w.dim()), 1);
  shape[static_cast<size_t>(*axis)] = w.size(*axis);
  return shape;
}

at::Tensor amaxFromJson(const nlohmann::json& v, const std::vector<int64_t>& shape, const std::string& key,
                        const std::string& source) {
  std::vector<float> values;
  const auto number = [&](const nlohmann::json& x) {
    if (!x.is_number()) throw fileError(source, key + ": expected a number or a list of numbers");
    const double d = x.get<double>();
    if (!(d >= 0) || !std::isfinite(d) || d > std::numeric_limits<float>::max())
      throw fileError(source, key + ": amax must be finite and >= 0, got " + x.dump());
    values.push_back(static_cast<float>(d));
  };
  if (v.is_array()) {
    for (const auto& x : v) number(x);
  } else {
    number(v);
  }
  int64_t expected = 1;
  for (int64_t d : shape) expected *= d;
  if (static_cast<int64_t>(values.size()) != expected)
    throw fileError(source,
                    fmt::format("{}: {} values, the model's quantizer has {}", key, values.size(), expected));
  at::Tensor t = at::tensor(values, at::kFloat);
  return t.reshape(shape);
}

}  // namespace

nlohmann::ordered_json calibrationToJson(torch::nn::Module& model,
                                         const std::vector<LayerCalibration>& layers,
                                         const std::string& method, int64_t batches) {
  nlohmann::ordered_json amax;
  for (const auto& o : quantizerOwners(model)) {
    amax[o.name + kInputKey] = amaxToJson(o.input->amax());
    if (!o.weight.is_empty()) amax[o.name + kWeightKey] = amaxToJson(o.weight->amax());
  }
  nlohmann::ordered_json info = nlohmann::ordered_json::array();
  for (const auto& l : layers) {
    info.push_back({{"layer", l.layer},
                    {"type", l.layerType},
                    {"method", l.method},
                    {"input_amax", l.inputAmax},
                    {"max_abs", l.inputStats.maxAbs},
                    {"elements", l.inputStats.elements},
                    {"zeros_skipped", l.inputStats.zerosSkipped},
                    {"saw_only_zeros", l.sawOnlyZeros}});
  }
  nlohmann::ordered_json j;
  j["format"] = kCalibrationFormat;
  j["method"] = method;
  j["batches"] = batches;
  j["amax"] = amax;
  j["layers"] = info;
  return j;
}

void applyCalibrationJson(torch::nn::Module& model, const nlohmann::json& j, const std::string& source) {
  if (!j.is_object() || !j.contains("format") || !j["format"].is_string() ||
      j["format"].get<std::string>() != kCalibrationFormat || !j.contains("amax") || !j["amax"].is_object())
    throw fileError(source, std::string("not a calibration file (expected \"format\": \"") +
                                kCalibrationFormat + "\" and an \"amax\" object)");
  // Equalization and bias correction change weights and biases: their amax belong to the ptq run's own
  // fake-quant checkpoint, not to the float weights this file would be applied to.
  if (j.contains("methods") && j["methods"].is_object())
    for (const char* m : {"equalization", "bias_correction"})
      if (j["methods"].contains(m))
        throw fileError(source,
                        std::string("this calibration ran ") + m +
                            ", which changes the weights; its amax fit only the fake-quant checkpoint "
                            "written beside it, use that checkpoint instead of the calibration file");
  std::map<std::string, TensorQuantizer> byKey;
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& o : quantizerOwners(model)) {
    byKey.emplace(o.name + kInputKey, o.input);
    shapes[o.name + kInputKey] = amaxShape(o.input, nullptr);
    if (o.weight.is_empty()) continue;
    byKey.emplace(o.name + kWeightKey, o.weight);
    shapes[o.name + kWeightKey] = amaxShape(o.weight, o.layer);
  }
  const auto& amax = j["amax"];
  std::string problems;
  for (auto it = amax.begin(); it != amax.end(); ++it)
    if (!byKey.count(it.key()))
      problems +=
          "\n  " + it.key() + ": the model has no such quantizer (a file from another model or recipe?)";
  for (const auto& [key, q] : byKey)
    if (!amax.contains(key)) problems += "\n  " + key + ": missing";
  if (!problems.empty()) throw fileError(source, "calibration does not fit the model:" + problems);
  // Convert everything first so that a bad value leaves the model untouched.
  std::vector<std::pair<TensorQuantizer, at::Tensor>> values;
  for (const auto& [key, q] : byKey)
    values.emplace_back(q, amaxFromJson(amax[key], shapes[key], key, source));
  for (auto& [q, v] : values) q->setAmax(v);
  setQuantizerStates(model, QuantizerState::Quantizing);  // a dead input amax leaves its layer float
}

void applyCalibrationFile(torch::nn::Module& model, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(readFileToString(path));
  } catch (const nlohmann::json::exception& e) {
    throw fileError(path, std::string("invalid JSON: ") + e.what());
  }
  applyCalibrationJson(model, j, path);
}

}  // namespace cpq
