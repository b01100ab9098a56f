#include "ptq/Calibration.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include <chrono>

#include "core/Error.h"
#include "core/ProgressBar.h"
#include "dataset/FramePrefetcher.h"

namespace cpq {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

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

  CalibrationManager manager(*pipeline.model());
  manager.begin();
  CalibrationResult result;
  result.method = recipe.describe();
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
  spdlog::info(
      "calibrated {} layers on {} frames in {} batches: statistics {:.1f} s ({:.1f} frames/s), amax {:.3f} s",
      result.layers.size(), result.frames, result.batches, result.collectSeconds,
      result.frames / std::max(result.collectSeconds, 1e-9), result.amaxSeconds);
  return result;
}

CalibrationResult calibrate(InferencePipeline& pipeline, const std::vector<at::Tensor>& clouds,
                            const QuantRecipe& recipe) {
  if (clouds.empty()) throw Error("calibration: no clouds");
  CalibrationManager manager(*pipeline.model());
  manager.begin();
  CalibrationResult result;
  result.method = recipe.describe();
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
  return result;
}

}  // namespace cpq
