// `bench`: per-stage latency of the whole detector on one cloud, on the CPU or a GPU, inside one process
// (warm-up runs first, so one-off costs such as CUDA context creation and cuDNN autotuning are excluded).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "config/CenterPointConfig.h"
#include "core/Error.h"
#include "infer/InferencePipeline.h"
#include "preprocess/PointCloud.h"
#include "ptq/Calibration.h"
#include "ptq/ModelPreparation.h"
#include "quant/CalibrationManager.h"
#include "train/TrainBatch.h"
#include "train/TrainStep.h"

namespace cpq::cli {
namespace {

struct BenchArgs {
  std::string config, checkpoint, points, device = "cpu";
  bool randomInit = false;
  uint64_t seed = 0;
  int runs = 20, warmup = 3;
  bool train = false, quant = false;
  int batchSize = 8;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One training step (forward, losses, backward, clip, AdamW) on a batch of copies of the cloud, timed on
// the device, and the CPU time to collate that batch (what each loader thread spends per batch).
void runTrainBench(const BenchArgs& a, const CenterPointConfig& cfg, const at::Device& device,
                   const PointCloud& cloud) {
  CenterPoint model = modelFromWeightOptions(cfg, a.checkpoint, a.seed);
  if (a.quant) {
    // QAT: the config's recipe, calibrated on the cloud itself (amax values do not change the cost).
    const QuantRecipe recipe = QuantRecipe::fromConfig(cfg);
    prepareForQuantization(model, recipe);
    InferencePipeline pipeline(cfg, model, device);
    calibrate(pipeline, {cloud.points}, recipe);
  }
  model->to(device);
  auto optimizer = makeAdamW(model, cfg.optimizer);
  const BatchCollator collator(cfg);
  const std::vector<TrainFrame> frames(size_t(a.batchSize), TrainFrame{cloud.points, {}});
  const TrainStep step(cfg, /*freezeNorms=*/a.quant);
  std::vector<double> collateMs, stepMs;
  for (int i = 0; i < a.warmup + a.runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const TrainBatch batch = collator.collate(frames).to(device);
    const auto t1 = std::chrono::steady_clock::now();
    step.run(model, *optimizer, batch, {cfg.optimizer.lr, 0.9});  // reads the loss back: synchronises
    const auto t2 = std::chrono::steady_clock::now();
    if (i < a.warmup) continue;
    collateMs.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    stepMs.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  const double ms = median(stepMs);
  std::cout << fmt::format(
      "{} on {}: {} step, batch {} ({} points per frame); median of {} runs after {} warm-up\n", a.config,
      a.device, a.quant ? "QAT (fake-quant, frozen BN)" : "training", a.batchSize, cloud.points.size(0),
      a.runs, a.warmup);
  std::cout << fmt::format("  {:<20} {:9.2f} ms (one loader thread)\n", "collate", median(collateMs));
  std::cout << fmt::format("  {:<20} {:9.2f} ms\n", "train step", ms);
  std::cout << fmt::format("  {:<20} {:9.1f} frames/s (step only)\n", "throughput",
                           1000.0 * a.batchSize / ms);
}

// Milliseconds of f() on the device (synchronised before and after).
template <typename F>
double deviceMs(const at::Device& device, F&& f) {
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  f();
  if (device.is_cuda()) torch::cuda::synchronize();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// The costs of quantization on the dense network (backbone + neck + head) for the config's recipe, on the
// cloud's canvas: plain float forward; forward while collecting calibration statistics (incl. the one
// host copy per batch); computing every amax; the fake-quant forward.
void runQuantBench(const BenchArgs& a, const CenterPointConfig& cfg, const at::Device& device,
                   const PointCloud& cloud) {
  CenterPoint model = modelFromWeightOptions(cfg, a.checkpoint, a.seed);
  QuantRecipe recipe = QuantRecipe::fromConfig(cfg);
  // The dense network is what is timed: the voxel encoder stays float (it sees no data here).
  auto& floatLayers = recipe.floatLayers;
  if (std::find(floatLayers.begin(), floatLayers.end(), "pts_voxel_encoder") == floatLayers.end())
    floatLayers.push_back("pts_voxel_encoder");
  const std::vector<std::string> quantized = prepareForQuantization(model, recipe);
  InferencePipeline pipeline(cfg, model, device);
  InferenceTrace trace;
  pipeline.run(cloud.points, &trace);
  const at::Tensor canvas = trace.spatialFeatures.to(device);
  torch::NoGradGuard noGrad;
  std::vector<double> plain, collect, fake;
  for (int i = 0; i < a.warmup + a.runs; ++i) {
    const double ms = deviceMs(device, [&] { model->forwardDense(canvas); });
    if (i >= a.warmup) plain.push_back(ms);
  }
  CalibrationManager manager(*model);
  manager.begin();
  for (int i = 0; i < a.warmup + a.runs; ++i) {
    const double ms = deviceMs(device, [&] {
      model->forwardDense(canvas);
      manager.endBatch("bench");
    });
    if (i >= a.warmup) collect.push_back(ms);
  }
  std::vector<LayerCalibration> layers;
  const double amaxMs = deviceMs(device, [&] { layers = manager.finish(recipe.amaxOptions()); });
  for (int i = 0; i < a.warmup + a.runs; ++i) {
    const double ms = deviceMs(device, [&] { model->forwardDense(canvas); });
    if (i >= a.warmup) fake.push_back(ms);
  }
  const double p = median(plain), c = median(collect), f = median(fake);
  std::cout << fmt::format(
      "{} on {}: backbone+neck+head on a [{}] canvas, {} layers quantized ({}), median of {} "
      "runs after {} warm-up\n",
      a.config, a.device, fmt::join(canvas.sizes(), ", "), quantized.size(), recipe.describe(), a.runs,
      a.warmup);
  std::cout << fmt::format("  {:<32} {:9.2f} ms\n", "float forward", p);
  std::cout << fmt::format("  {:<32} {:9.2f} ms  ({:.2f}x float)\n", "forward + calibration statistics", c,
                           c / p);
  std::cout << fmt::format("  {:<32} {:9.2f} ms  (all {} layers)\n", "compute every amax", amaxMs,
                           layers.size());
  std::cout << fmt::format("  {:<32} {:9.2f} ms  ({:.2f}x float)\n", "fake-quant forward", f, f / p);
}

void runBench(const BenchArgs& a) {
  requireOneWeightSource("bench", a.checkpoint, a.randomInit);
  const CenterPointConfig cfg = loadConfig(a.config);
  const at::Device device = parseDevice(a.device);
  const PointCloud cloud = readPcdBin(a.points);
  if (a.train) return runTrainBench(a, cfg, device, cloud);
  if (a.quant) return runQuantBench(a, cfg, device, cloud);
  InferencePipeline pipeline(cfg, modelFromWeightOptions(cfg, a.checkpoint, a.seed), device);
  std::vector<std::vector<double>> ms(7);
  InferenceTrace trace;
  for (int i = 0; i < a.warmup + a.runs; ++i) {
    pipeline.run(cloud.points, &trace);
    if (i < a.warmup) continue;
    const StageTimes& t = trace.times;
    const double stages[] = {t.voxelize, t.features, t.encoder, t.scatter, t.dense, t.decode};
    double total = 0;
    for (int s = 0; s < 6; ++s) {
      ms[s].push_back(stages[s]);
      total += stages[s];
    }
    ms[6].push_back(total);
  }
  const char* names[] = {
      "voxelize", "pillar features", "pts_voxel_encoder", "scatter", "backbone+neck+head", "decode", "total"};
  std::cout << fmt::format("{} on {}: {} points, {} pillars; median of {} runs after {} warm-up\n", a.config,
                           a.device, cloud.points.size(0), trace.inputFeatures.size(0), a.runs, a.warmup);
  for (int s = 0; s < 7; ++s) std::cout << fmt::format("  {:<20} {:9.2f} ms\n", names[s], median(ms[s]));
}

}  // namespace

void addBenchCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("bench", "Per-stage latency of the detector on one point cloud (median over runs)");
  auto a = std::make_shared<BenchArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  addWeightOptions(cmd, a->checkpoint, a->randomInit, a->seed);
  cmd->add_option("--points", a->points, "Point cloud (.pcd.bin)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--runs", a->runs, "Timed runs")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--warmup", a->warmup, "Untimed runs first")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  cmd->add_flag("--train", a->train, "Time a training step (forward, losses, backward, AdamW) instead");
  cmd->add_flag(
      "--quant", a->quant,
      "Time quantization: calibration statistics, amax computation, fake-quant forward (config recipe)");
  cmd->add_option("--batch-size", a->batchSize, "Frames per training batch (--train)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->callback([a] { runBench(*a); });
}

}  // namespace cpq::cli
