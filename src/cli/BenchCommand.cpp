// `bench`: per-stage latency of the whole detector on one cloud, on the CPU or a GPU, inside one process
// (warm-up runs first, so one-off costs such as CUDA context creation and cuDNN autotuning are excluded).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "config/CenterPointConfig.h"
#include "core/Error.h"
#include "data/PointCloud.h"
#include "infer/InferencePipeline.h"

namespace cpq::cli {
namespace {

struct BenchArgs {
  std::string config, checkpoint, points, device = "cpu";
  bool randomInit = false;
  uint64_t seed = 0;
  int runs = 20, warmup = 3;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void runBench(const BenchArgs& a) {
  requireOneWeightSource("bench", a.checkpoint, a.randomInit);
  const CenterPointConfig cfg = loadConfig(a.config);
  const at::Device device = parseDevice(a.device);
  const PointCloud cloud = readPcdBin(a.points);
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
  cmd->callback([a] { runBench(*a); });
}

}  // namespace cpq::cli
