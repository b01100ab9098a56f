#include "ptq/Calibration.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include <chrono>
#include <map>

#include "core/Error.h"
#include "core/ProgressBar.h"
#include "dataset/FramePrefetcher.h"
#include "infer/DatasetInference.h"
#include "quant/QuantInsertion.h"

namespace cpq {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The methods' samples on `clouds` (the float model: every quantizer off while they are taken), then
// equalization when the recipe asks for it. Empty when the recipe has no method.
std::vector<LayerSamples> runMethodsBeforeStatistics(InferencePipeline& pipeline,
                                                     const std::vector<at::Tensor>& clouds,
                                                     const QuantRecipe& recipe, CalibrationResult& result) {
  if (!recipe.usesLayerSamples()) return {};
  const auto start = std::chrono::steady_clock::now();
  CenterPoint& model = pipeline.model();
  setQuantizerStates(*model, QuantizerState::Disabled);
  std::vector<std::pair<std::string, QuantLayer*>> layers;
  for (const auto& item : quantCapableLayers(*model))
    if (hasRowForm(*item.second)) layers.push_back(item);
  LayerSampleOptions options;
  options.rowsPerFrame = recipe.methodCellsPerFrame;
  options.emptyShare = recipe.methodEmptyShare;
  std::vector<LayerSamples> samples = captureLayerSamples(
      layers, "pts_backbone.blocks.0.0", static_cast<int64_t>(clouds.size()),
      [&](int64_t i) { pipeline.forwardNetwork({clouds[static_cast<size_t>(i)]}); }, options);
  result.methodFrames = static_cast<int64_t>(clouds.size());
  for (const auto& s : samples) result.methodRows += s.rows.defined() ? s.rows.size(0) : 0;
  spdlog::info("methods: sampled {} rows of {} layers on {} frames in {:.1f} s", result.methodRows,
               samples.size(), clouds.size(), secondsSince(start));
  if (recipe.equalization == Equalization::Activation) {
    const auto eqStart = std::chrono::steady_clock::now();
    result.equalization = equalizeChannels(model, samples);
    int64_t changed = 0;
    for (const auto& e : result.equalization) changed += e.alpha >= 0 ? 1 : 0;
    spdlog::info("equalization: {} of {} pairs rescaled in {:.1f} s", changed, result.equalization.size(),
                 secondsSince(eqStart));
  }
  result.methodSeconds += secondsSince(start);
  return samples;
}

// After the amax: the output-error range search replaces each quantized layer's input amax, then bias
// correction (with the final amax).
void runMethodsAfterAmax(std::vector<LayerSamples>& samples, const QuantRecipe& recipe,
                         CalibrationResult& result) {
  if (samples.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  if (recipe.rangeSearch == RangeSearch::Output) {
    std::map<std::string, LayerCalibration*> byName;
    for (auto& l : result.layers) byName[l.layer] = &l;
    for (const LayerSamples& s : samples) {
      QuantLayer& layer = *s.layer;
      if (!layer.isQuantized()) continue;
      TensorQuantizer iq = layer.inputQuantizer();
      if (iq->state() != QuantizerState::Quantizing || !iq->hasAmax()) continue;  // a dead input stays float
      const at::Tensor wq =
          maxCalibratedFakeQuant(layer.layerWeight(), layer.weightQuantizer()->descriptor());
      const RangeSearchResult r = searchInputAmax(s, iq->descriptor(), wq, iq->amax().max().item<double>());
      iq->setAmax(at::full({}, r.searchedAmax, at::kFloat).to(iq->amax().device()));
      if (auto it = byName.find(s.name); it != byName.end()) {
        it->second->inputAmax = r.searchedAmax;
        it->second->method += "+range_search";
      }
      result.rangeSearch.push_back(r);
    }
    spdlog::info("range search: {} layers in {:.1f} s", result.rangeSearch.size(), secondsSince(start));
  }
  if (recipe.biasCorrection) {
    result.biasCorrection = correctBiases(samples);
    spdlog::info("bias correction: {} layers", result.biasCorrection.size());
  }
  result.methodSeconds += secondsSince(start);
}

}  // namespace

nlohmann::ordered_json methodsToJson(const CalibrationResult& r) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (r.methodFrames == 0) return j;
  j["frames"] = r.methodFrames;
  j["rows"] = r.methodRows;
  if (!r.equalization.empty()) {
    auto& eq = j["equalization"] = nlohmann::ordered_json::array();
    for (const auto& e : r.equalization)
      eq.push_back({{"producer", e.producer},
                    {"consumers", e.consumers},
                    {"alpha", e.alpha >= 0 ? nlohmann::ordered_json(e.alpha) : nlohmann::ordered_json()},
                    {"error_before", e.errorBefore},
                    {"error_after", e.errorAfter},
                    {"channel_range_before", e.rangeBefore},
                    {"channel_range_after", e.rangeAfter}});
  }
  if (!r.rangeSearch.empty()) {
    auto& rs = j["range_search"] = nlohmann::ordered_json::array();
    for (const auto& s : r.rangeSearch)
      rs.push_back({{"layer", s.layer},
                    {"calibrated_amax", s.calibratedAmax},
                    {"searched_amax", s.searchedAmax},
                    {"calibrated_error", s.calibratedError},
                    {"searched_error", s.searchedError},
                    {"rows", s.rows}});
  }
  if (!r.biasCorrection.empty()) {
    auto& bc = j["bias_correction"] = nlohmann::ordered_json::array();
    for (const auto& b : r.biasCorrection)
      bc.push_back(
          {{"layer", b.layer}, {"mean_abs_shift", b.meanAbsShift}, {"relative_shift", b.relativeShift}});
  }
  return j;
}

CalibrationResult calibrate(InferencePipeline& pipeline, const DetectionDataset& dataset,
                            const std::vector<size_t>& indices, const QuantRecipe& recipe,
                            const CalibrationOptions& options) {
  const int64_t batches = recipe.calibrationBatches;
  if (batches <= 0 || options.batchSize <= 0)
    throw Error("calibration: the number of batches and the batch size must be positive");
  const size_t wanted = static_cast<size_t>(batches * options.batchSize);
  if (indices.empty()) throw Error("calibration: the calibration split has no frames");
  if (indices.size() < wanted) {
    const std::string msg =
        fmt::format("calibration: {} frames asked for ({} batches of {}), the split has {}", wanted, batches,
                    options.batchSize, indices.size());
    if (options.strict) throw Error(msg + " (--strict)");
    spdlog::warn("{}; calibrating on all {}", msg, indices.size());
  }
  const std::vector<size_t> used(indices.begin(), indices.begin() + std::min(wanted, indices.size()));

  CalibrationResult result;
  result.method = recipe.describe();
  std::vector<LayerSamples> samples;
  if (recipe.usesLayerSamples()) {
    if (static_cast<int64_t>(used.size()) < recipe.methodFrames)
      throw Error(fmt::format(
          "calibration: quantization.methods.frames is {} but the calibration uses {} frames ({} batches of "
          "{} from a split of {}); lower methods.frames or calibrate on more frames",
          recipe.methodFrames, used.size(), batches, options.batchSize, indices.size()));
    const std::vector<size_t> sampled(used.begin(), used.begin() + recipe.methodFrames);
    samples = runMethodsBeforeStatistics(pipeline, loadPointClouds(dataset, sampled), recipe, result);
  }
  CalibrationManager manager(*pipeline.model());
  manager.begin();
  const auto start = std::chrono::steady_clock::now();
  {
    FramePrefetcher prefetch(dataset, used, 4);
    ProgressBar bar("calibrate", used.size(), "frames");
    std::vector<at::Tensor> clouds;
    std::string tokens;
    auto flushBatch = [&] {
      pipeline.forwardNetwork(clouds);
      manager.endBatch(tokens);
      bar.advance(clouds.size());
      result.frames += static_cast<int64_t>(clouds.size());
      clouds.clear();
      tokens.clear();
    };
    while (auto frame = prefetch.next()) {
      clouds.push_back(frame->points.points);
      tokens += (tokens.empty() ? "sample " : ", ") + dataset.sample(frame->index).token;
      if (static_cast<int64_t>(clouds.size()) == options.batchSize) flushBatch();
    }
    if (!clouds.empty()) flushBatch();
    bar.finish();
  }
  if (pipeline.device().is_cuda()) torch::cuda::synchronize();
  result.collectSeconds = secondsSince(start);
  const auto amaxStart = std::chrono::steady_clock::now();
  result.layers = manager.finish(recipe.amaxOptions());
  result.amaxSeconds = secondsSince(amaxStart);
  result.batches = manager.batches();
  runMethodsAfterAmax(samples, recipe, result);
  spdlog::info(
      "calibrated {} layers on {} frames in {} batches: statistics {:.1f} s ({:.1f} frames/s), amax {:.3f} s",
      result.layers.size(), result.frames, result.batches, result.collectSeconds,
      result.frames / std::max(result.collectSeconds, 1e-9), result.amaxSeconds);
  return result;
}

CalibrationResult calibrate(InferencePipeline& pipeline, const std::vector<at::Tensor>& clouds,
                            const QuantRecipe& recipe) {
  if (clouds.empty()) throw Error("calibration: no clouds");
  CalibrationResult result;
  result.method = recipe.describe();
  std::vector<LayerSamples> samples;
  if (recipe.usesLayerSamples()) {
    const size_t n = std::min(clouds.size(), static_cast<size_t>(recipe.methodFrames));
    samples = runMethodsBeforeStatistics(pipeline, {clouds.begin(), clouds.begin() + n}, recipe, result);
  }
  CalibrationManager manager(*pipeline.model());
  manager.begin();
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < clouds.size(); ++i) {
    pipeline.forwardNetwork({clouds[i]});
    manager.endBatch("cloud " + std::to_string(i));
  }
  result.collectSeconds = secondsSince(start);
  const auto amaxStart = std::chrono::steady_clock::now();
  result.layers = manager.finish(recipe.amaxOptions());
  result.amaxSeconds = secondsSince(amaxStart);
  result.batches = result.frames = static_cast<int64_t>(clouds.size());
  runMethodsAfterAmax(samples, recipe, result);
  return result;
}

}  // namespace cpq
