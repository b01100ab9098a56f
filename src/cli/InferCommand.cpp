// `infer`: one point cloud through the detector; detections as JSON, optionally every stage's tensor as .npy.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "config/CenterPointConfig.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/Npy.h"
#include "infer/InferencePipeline.h"
#include "preprocess/PointCloud.h"

namespace cpq::cli {
namespace {

struct InferArgs {
  std::string config, checkpoint, points, out, dump, report, device = "cpu";
  bool randomInit = false, overwrite = false;
  uint64_t seed = 0;
};

nlohmann::ordered_json detectionsJson(const std::vector<Detection>& dets, const CenterPointConfig& cfg) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& d : dets) {
    list.push_back({{"x", d.x},
                    {"y", d.y},
                    {"z", d.z},
                    {"l", d.l},
                    {"w", d.w},
                    {"h", d.h},
                    {"yaw", d.yaw},
                    {"vx", d.vx},
                    {"vy", d.vy},
                    {"score", d.score},
                    {"label", cfg.classNames.at(d.label)}});
  }
  return list;
}

// The tensors of docs/model.md ('`infer --dump` tensors') under their names; with several tasks the head
// tensors get a _task<t> suffix. voxel_coords (batch, z, y, x) is extra: it is what the scatter needs between
// the two ONNX files.
void writeDump(const std::string& dir, const InferenceTrace& trace) {
  writeNpy(dir + "/input_features.npy", trace.inputFeatures);
  writeNpy(dir + "/voxel_coords.npy", trace.voxelCoords);
  writeNpy(dir + "/pillar_features.npy", trace.pillarFeatures);
  writeNpy(dir + "/spatial_features.npy", trace.spatialFeatures);
  for (size_t t = 0; t < trace.head.size(); ++t) {
    const std::string suffix = trace.head.size() == 1 ? "" : "_task" + std::to_string(t);
    const TaskOutputs& o = trace.head[t];
    const std::pair<const char*, const at::Tensor*> items[] = {{"heatmap", &o.heatmap}, {"reg", &o.reg},
                                                               {"height", &o.height},   {"dim", &o.dim},
                                                               {"rot", &o.rot},         {"vel", &o.vel}};
    for (const auto& [name, tensor] : items) writeNpy(dir + "/" + name + suffix + ".npy", *tensor);
  }
}

// A human-readable summary: what went in, how long each stage took, what came out.
std::string markdownReport(const InferArgs& a, const CenterPointConfig& cfg, const PointCloud& cloud,
                           const InferenceTrace& trace, const std::vector<Detection>& dets) {
  const StageTimes& t = trace.times;
  std::string md = "# centerpoint-quant infer\n\n";
  md += fmt::format(
      "- config: `{}`\n- weights: {}\n- points: `{}`: {} points ({} non-finite dropped), {} pillars\n\n",
      a.config, a.checkpoint.empty() ? fmt::format("random init, seed {}", a.seed) : "`" + a.checkpoint + "`",
      a.points, cloud.points.size(0), cloud.droppedNonFinite, trace.inputFeatures.size(0));
  md += "| stage | ms |\n|---|---|\n";
  const std::pair<const char*, double> stages[] = {
      {"voxelize", t.voxelize}, {"pillar features", t.features},     {"pts_voxel_encoder", t.encoder},
      {"scatter", t.scatter},   {"backbone + neck + head", t.dense}, {"decode", t.decode}};
  for (const auto& [name, ms] : stages) md += fmt::format("| {} | {:.1f} |\n", name, ms);
  md += fmt::format("\n{} detections ({} decoder)\n\n| class | count |\n|---|---|\n", dets.size(),
                    cfg.postprocess.decoder);
  for (int c = 0; c < cfg.numClasses(); ++c) {
    const auto n = std::count_if(dets.begin(), dets.end(), [c](const Detection& d) { return d.label == c; });
    md += fmt::format("| {} | {} |\n", cfg.classNames[c], n);
  }
  md += "\n| # | class | score | x | y | z | l | w | h | yaw |\n|---|---|---|---|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < dets.size() && i < 20; ++i) {
    const Detection& d = dets[i];
    md += fmt::format("| {} | {} | {:.3f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} |\n",
                      i, cfg.classNames[d.label], d.score, d.x, d.y, d.z, d.l, d.w, d.h, d.yaw);
  }
  return md;
}

void runInfer(const InferArgs& a) {
  requireOneWeightSource("infer", a.checkpoint, a.randomInit);
  if (!a.out.empty()) refuseToOverwrite(a.out, a.overwrite);
  if (!a.report.empty()) refuseToOverwrite(a.report, a.overwrite);
  const CenterPointConfig cfg = loadConfig(a.config);
  const at::Device device = parseDevice(a.device);
  const PointCloud cloud = readPcdBin(a.points);
  InferencePipeline pipeline(cfg, modelFromWeightOptions(cfg, a.checkpoint, a.seed), device);
  InferenceTrace trace;
  const std::vector<Detection> dets = pipeline.run(cloud.points, &trace);
  const StageTimes& t = trace.times;
  spdlog::info("{} points ({} non-finite dropped), {} pillars, {} detections", cloud.points.size(0),
               cloud.droppedNonFinite, trace.inputFeatures.size(0), dets.size());
  spdlog::info(
      "ms: voxelize {:.1f}, features {:.1f}, encoder {:.1f}, scatter {:.1f}, backbone+neck+head {:.1f}, "
      "decode {:.1f}",
      t.voxelize, t.features, t.encoder, t.scatter, t.dense, t.decode);
  nlohmann::ordered_json out = {{"points", std::filesystem::path(a.points).filename().string()},
                                {"num_points", cloud.points.size(0)},
                                {"dropped_non_finite", cloud.droppedNonFinite},
                                {"num_pillars", trace.inputFeatures.size(0)},
                                {"frame", "lidar"},
                                {"detections", detectionsJson(dets, cfg)}};
  if (!a.dump.empty())
    writeFolderAtomically(a.dump, a.overwrite, [&](const std::string& dir) { writeDump(dir, trace); });
  if (!a.report.empty()) writeStringAtomically(a.report, markdownReport(a, cfg, cloud, trace, dets));
  if (a.out.empty()) {
    std::cout << out.dump(2) << "\n";
  } else {
    writeStringAtomically(a.out, out.dump(2) + "\n");
    spdlog::info("detections written to {}", a.out);
  }
}

}  // namespace

void addInferCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("infer", "Detect objects in one .pcd.bin point cloud");
  auto a = std::make_shared<InferArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  addWeightOptions(cmd, a->checkpoint, a->randomInit, a->seed);
  cmd->add_option("--points", a->points, "Point cloud (.pcd.bin, float32 x, y, z, intensity, ring)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Write detections JSON here (default: standard output)");
  cmd->add_option("--dump", a->dump, "Write every stage's tensor as .npy into this new folder");
  cmd->add_option("--report", a->report, "Write a Markdown summary (stage times, detections) here");
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace --out / --dump / --report if they exist");
  cmd->callback([a] { runInfer(*a); });
}

}  // namespace cpq::cli
