#include "ptq/QuantRecipe.h"

#include <fmt/format.h>

#include "core/Error.h"
#include "quant/CalibrationManager.h"

namespace cpq {
namespace {

// The YAML's words for each enum, in one table per enum (also the order listed in messages).
template <typename E>
using Words = std::vector<std::pair<const char*, E>>;

const Words<CalibrationMethod> kCalibrationWords = {{"histogram", CalibrationMethod::Histogram},
                                                    {"max", CalibrationMethod::Max}};
// Histogram amax methods (calibration.amax_method); max calibration always takes the running max.
const Words<AmaxMethod> kAmaxWords = {
    {"mse", AmaxMethod::Mse}, {"percentile", AmaxMethod::Percentile}, {"entropy", AmaxMethod::Entropy}};
const Words<IoPrecision> kIoWords = {{"fp32", IoPrecision::Fp32}, {"fp16", IoPrecision::Fp16}};
const Words<WeightPrecision> kWeightWords = {{"int8", WeightPrecision::Int8},
                                             {"fp16", WeightPrecision::Fp16}};
const Words<Equalization> kEqualizationWords = {{"none", Equalization::None},
                                                {"activation", Equalization::Activation}};
const Words<RangeSearch> kRangeSearchWords = {{"none", RangeSearch::None}, {"output", RangeSearch::Output}};

template <typename E>
std::string listOf(const Words<E>& words) {
  std::string list;
  for (const auto& w : words) list += (list.empty() ? "" : ", ") + std::string(w.first);
  return list;
}

// The enum for `word`, or nothing (the caller reports the key).
template <typename E>
std::optional<E> parseWord(const Words<E>& words, const std::string& word) {
  for (const auto& w : words)
    if (word == w.first) return w.second;
  return std::nullopt;
}

template <typename E>
E readWord(const Words<E>& words, const std::string& word, const std::string& key, E fallback,
           std::vector<std::string>& problems) {
  if (auto e = parseWord(words, word)) return *e;
  problems.push_back(key + ": '" + word + "' is not one of " + listOf(words));
  return fallback;
}

}  // namespace

QuantRecipe QuantRecipe::fromConfig(const CenterPointConfig& cfg) {
  const QuantizationConfig& q = cfg.quantization;
  const std::string p = "quantization.";
  std::vector<std::string> problems;
  QuantRecipe r;
  r.source = cfg.sourcePath;
  r.calibration = readWord(kCalibrationWords, q.method, p + "calibration.method", r.calibration, problems);
  const AmaxMethod histogramAmax =
      readWord(kAmaxWords, q.amaxMethod, p + "calibration.amax_method", r.amax, problems);
  r.amax = r.calibration == CalibrationMethod::Max ? AmaxMethod::Max : histogramAmax;
  r.inputPrecision = readWord(kIoWords, q.inputPrecision, p + "precision.input", r.inputPrecision, problems);
  r.outputPrecision =
      readWord(kIoWords, q.outputPrecision, p + "precision.output", r.outputPrecision, problems);
  r.weightPrecision =
      readWord(kWeightWords, q.weightPrecision, p + "precision.weights", r.weightPrecision, problems);
  r.calibrationBatches = q.numBatches;
  if (q.numBatches <= 0) problems.push_back(p + "calibration.num_batches: must be positive");
  r.percentile = q.percentile;
  if (!(q.percentile > 0 && q.percentile <= 100))
    problems.push_back(p + "calibration.percentile: must be in (0, 100]");
  r.numBins = q.numBins;
  if (q.numBins < 128)
    problems.push_back(p + "calibration.num_bins: must be at least 128 (the mse/entropy start bin)");
  r.floatLayers = q.sensitiveLayers;
  for (const auto& layer : q.sensitiveLayers)
    if (layer.empty() || layer.front() == '.' || layer.back() == '.')
      problems.push_back(p + "sensitive_layers: '" + layer + "' is not a module path");
  r.skipZeros = q.skipZeros;
  r.fuseBn = q.fuseBn;
  r.fuseRelu = q.fuseRelu;
  r.convTransposePerChannel = q.convTransposePerChannel;
  r.learnAmax = q.learnAmax;
  r.equalization =
      readWord(kEqualizationWords, q.equalization, p + "methods.equalization", r.equalization, problems);
  r.rangeSearch =
      readWord(kRangeSearchWords, q.rangeSearch, p + "methods.range_search", r.rangeSearch, problems);
  r.biasCorrection = q.biasCorrection;
  r.methodFrames = q.methodFrames;
  if (q.methodFrames <= 0) problems.push_back(p + "methods.frames: must be positive");
  r.methodCellsPerFrame = q.methodCellsPerFrame;
  if (q.methodCellsPerFrame <= 0) problems.push_back(p + "methods.cells_per_frame: must be positive");
  r.methodEmptyShare = q.methodEmptyShare;
  if (!(q.methodEmptyShare >= 0 && q.methodEmptyShare < 1))
    problems.push_back(p + "methods.empty_share: must be in [0, 1)");
  if (const std::string clash = r.methodConflicts(); !clash.empty()) problems.push_back(clash);
  if (!problems.empty()) {
    std::string msg = cfg.sourcePath + ": invalid config:";
    for (const auto& problem : problems) msg += "\n  " + problem;
    throw Error(msg);
  }
  return r;
}

QuantRecipe QuantRecipe::with(const RecipeOverrides& o, const std::string& command) const {
  QuantRecipe r = *this;
  if (o.method) {
    if (*o.method == "max") {
      r.calibration = CalibrationMethod::Max;
      r.amax = AmaxMethod::Max;
    } else if (auto amax = parseWord(kAmaxWords, *o.method)) {
      r.calibration = CalibrationMethod::Histogram;
      r.amax = *amax;
    } else {
      throw Error(command + " --method must be max, percentile, mse or entropy, not '" + *o.method + "'");
    }
  }
  if (o.calibrationBatches) {
    if (*o.calibrationBatches < 0) throw Error(command + " --calibrate-batches must not be negative");
    if (*o.calibrationBatches > 0) r.calibrationBatches = *o.calibrationBatches;  // 0: the config's
  }
  if (o.skipZeros) r.skipZeros = *o.skipZeros;
  if (o.floatLayers) r.floatLayers = *o.floatLayers;
  if (o.fullInt8) {
    if (o.floatLayers && !o.floatLayers->empty())
      throw Error(command +
                  " --full-int8 and --float-layers cannot go together (full INT8 keeps no layer float)");
    r.floatLayers.clear();
  }
  r.learnAmax = r.learnAmax || o.learnAmax;
  if (o.equalization) {
    const auto e = parseWord(kEqualizationWords, *o.equalization);
    if (!e)
      throw Error(command + " --equalization must be one of " + listOf(kEqualizationWords) + ", not '" +
                  *o.equalization + "'");
    r.equalization = *e;
  }
  if (o.rangeSearch) {
    const auto e = parseWord(kRangeSearchWords, *o.rangeSearch);
    if (!e)
      throw Error(command + " --range-search must be one of " + listOf(kRangeSearchWords) + ", not '" +
                  *o.rangeSearch + "'");
    r.rangeSearch = *e;
  }
  if (o.biasCorrection) r.biasCorrection = *o.biasCorrection;
  if (const std::string clash = r.methodConflicts(); !clash.empty())
    throw Error(command + ": " + clash + " (" + source + " with the command line's flags)");
  return r;
}

void QuantRecipe::requireInt8Weights(const std::string& command) const {
  if (weightPrecision != WeightPrecision::Int8)
    throw Error(source + ": quantization.precision.weights is fp16, which means quantization off; " +
                command + " needs int8");
}

std::string QuantRecipe::methodConflicts() const {
  if (fuseBn) return "";
  std::string names;
  if (equalization != Equalization::None) names += "methods.equalization";
  if (biasCorrection) names += std::string(names.empty() ? "" : " and ") + "methods.bias_correction";
  if (names.empty()) return "";
  return "quantization." + names +
         " cannot go together with quantization.fusion.fuse_bn: false (they rescale and shift the conv "
         "that the BN would follow; fold the BN)";
}

std::string QuantRecipe::describe() const {
  std::string d = describeMethod(quantizerPlan().input, amaxOptions());
  if (equalization == Equalization::Activation) d += "+equalization";
  if (rangeSearch == RangeSearch::Output) d += "+range_search";
  if (biasCorrection) d += "+bias_correction";
  return d;
}

QuantizerPlan QuantRecipe::quantizerPlan() const {
  QuantizerPlan plan;
  plan.input = QuantDescriptor::activation(calibration, numBins, skipZeros);
  plan.input.learnAmax = learnAmax;
  if (convTransposePerChannel) plan.convTransposeWeightAxis = 1;
  plan.skipPrefixes = floatLayers;
  return plan;
}

FusionOptions QuantRecipe::fusion() const {
  FusionOptions f;
  f.fuseBn = fuseBn;
  f.fuseRelu = fuseBn && fuseRelu;
  // The PFN's BN is folded only when its Linear gets quantized.
  bool pfnFloat = false;
  for (const auto& p : floatLayers)
    pfnFloat = pfnFloat || matchesLayerPrefix("pts_voxel_encoder.pfn_layers.0.linear", p);
  f.foldVoxelEncoderBn = fuseBn && !pfnFloat;
  return f;
}

AmaxOptions QuantRecipe::amaxOptions() const {
  AmaxOptions o;
  o.method = amax;
  o.percentile = percentile;
  return o;
}

OnnxExportOptions QuantRecipe::exportOptions(OnnxExportOptions options) const {
  options.inputPrecision = inputPrecision;
  options.outputPrecision = outputPrecision;
  return options;
}

}  // namespace cpq
