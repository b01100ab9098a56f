// `sensitivity`: which layers suffer from INT8. Calibrates the fully quantized model once, then enables
// one layer's quantizers at a time and scores it against the float baseline (mAP drop by evaluation, the
// layer's SQNR, and a cheap head-output proxy); writes a CSV sorted by delta, a bar chart in network
// order and a Markdown summary; with --budget also the float-layer set that keeps the drop within it.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <limits>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "cli/RecipeOptions.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "eval/DatasetEvaluation.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "quant/BarChart.h"
#include "quant/CalibrationFile.h"
#include "quant/DatasetCalibration.h"
#include "quant/LayerSqnr.h"
#include "quant/QuantizedCheckpoint.h"
#include "quant/Sensitivity.h"

namespace cpq::cli {
namespace {

struct SensitivityArgs {
  std::string config, checkpoint, data, output, split = "train", evalSplit = "val", splits, version, calib;
  std::string device = "cpu";
  RecipeOptions recipe;
  int64_t evalFrames = 50, proxyFrames = 8;
  bool proxy = false, overwrite = false;
  std::optional<double> budget;
};

std::string stemOf(const std::string& output) {
  const std::filesystem::path p(output);
  if (p.extension() != ".csv")
    throw Error("sensitivity --output must name a .csv file, not '" + output + "'");
  return (p.parent_path() / p.stem()).string();
}

std::string number(double v, const char* fmtSpec = "{:.6f}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(fmtSpec), v) : std::string();
}

void runSensitivity(const SensitivityArgs& a) {
  const std::string stem = stemOf(a.output);
  const std::string png = stem + ".png", md = stem + ".md", yaml = stem + ".sensitive_layers.yaml";
  for (const auto& f : {a.output, png, md}) refuseToOverwrite(f, a.overwrite);
  if (a.budget) refuseToOverwrite(yaml, a.overwrite);
  if (a.budget && !(*a.budget >= 0)) throw Error("sensitivity --budget must be a non-negative mAP fraction");
  const CenterPointConfig cfg = loadConfig(a.config);
  QuantizationConfig q = applyRecipeOptions(cfg.quantization, a.recipe, "sensitivity");
  q.sensitiveLayers.clear();  // every layer is profiled
  const at::Device device = parseDevice(a.device);

  const DetectionDataset calibDs =
      DetectionDataset::open(datasetOptionsFor(cfg, a.data, a.split, a.splits, a.version));
  const DetectionDataset evalDs =
      DetectionDataset::open(datasetOptionsFor(cfg, a.data, a.evalSplit, a.splits, a.version));
  if (calibDs.size() == 0 || evalDs.size() == 0)
    throw Error("sensitivity: an empty calibration or evaluation split");
  const std::vector<size_t> calibFrames = frameIndices(calibDs.size());
  const std::vector<size_t> evalFrames = frameIndices(evalDs.size(), static_cast<size_t>(a.evalFrames));

  CenterPoint model = loadCenterPoint(cfg, a.checkpoint);
  prepareForQuantization(model, q);
  DatasetCalibrationOptions co;
  co.batches = q.numBatches;
  co.amax = amaxOptionsFor(q);
  if (!a.calib.empty()) applyCalibrationFile(*model, a.calib);  // every layer's amax, e.g. ptq --full-int8's
  InferencePipeline pipeline(cfg, model, device);
  if (a.calib.empty()) calibrateOnDataset(pipeline, calibDs, calibFrames, co);

  const std::vector<at::Tensor> clouds = loadPointClouds(
      evalDs, frameIndices(evalFrames.size(), static_cast<size_t>(std::max<int64_t>(a.proxyFrames, 1))));
  SensitivityProbe probe;
  probe.frames = static_cast<int64_t>(clouds.size());
  probe.runFrame = [&](int64_t i) { return pipeline.forwardNetwork({clouds[i]}); };
  probe.evaluateMap = [&]() {
    return evaluateOnDataset(pipeline, evalDs, evalFrames, cfg, "eval", /*withNuScenes=*/false)
        .t4->mAP.at("overall");
  };
  double baseline = std::nan("");
  const std::vector<SensitivityRow> rows = profileSensitivity(*model, probe, !a.proxy, &baseline);

  // CSV sorted by delta (or the proxy), largest first.
  std::vector<SensitivityRow> sorted = rows;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const SensitivityRow& x, const SensitivityRow& y) {
    return a.proxy ? x.proxy > y.proxy : x.delta > y.delta;
  });
  std::string csv = "layer,map,delta,sqnr_db,proxy\n";
  for (const auto& r : sorted)
    csv +=
        fmt::format("{},{},{},{},{}\n", r.layer, number(r.map), a.proxy ? number(r.proxy) : number(r.delta),
                    number(r.sqnrDb, "{:.2f}"), number(r.proxy));
  std::vector<double> bars;
  for (const auto& r : rows) bars.push_back(a.proxy ? r.proxy : r.delta);

  std::string summary = fmt::format(
      "# Sensitivity of {}\n\n{} layers, {} evaluation frames of split '{}'{}; "
      "calibration {} on {} batches of split '{}'.\n\n",
      a.checkpoint, rows.size(), evalFrames.size(), a.evalSplit,
      a.proxy ? "" : fmt::format(", float mAP {:.4f}", baseline),
      describeMethod(quantRecipeFor(q).input, co.amax), q.numBatches, a.split);
  if (!a.proxy) {
    std::vector<double> d, p;
    for (const auto& r : rows) {
      d.push_back(r.delta);
      p.push_back(r.proxy);
    }
    summary += fmt::format(
        "Proxy vs mAP-drop ranking: Spearman rank correlation {:.3f} over {} layers ({} proxy frames).\n\n",
        spearmanCorrelation(d, p), rows.size(), clouds.size());
  }
  summary += "| # | layer | mAP | delta | SQNR (dB) | proxy |\n|---|---|---|---|---|---|\n";
  std::cout << "\nmost sensitive layers (" << (a.proxy ? "proxy" : "mAP drop") << "):\n";
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& r = sorted[i];
    summary += fmt::format("| {} | {} | {} | {} | {} | {} |\n", i + 1, r.layer, number(r.map, "{:.4f}"),
                           number(r.delta, "{:+.4f}"), number(r.sqnrDb, "{:.1f}"), number(r.proxy, "{:.4g}"));
    if (i < 10)
      std::cout << fmt::format("  {:>2}. {:<45} {:>10} sqnr {:>6} dB\n", i + 1, r.layer,
                               a.proxy ? number(r.proxy, "{:.4g}") : number(r.delta, "{:+.4f}"),
                               number(r.sqnrDb, "{:.1f}"));
  }

  std::string yamlText;
  if (a.budget && std::isnan(baseline)) {
    // --proxy skipped the float evaluation; the selection needs it.
    QuantizerStateSnapshot snapshot(*model);
    setQuantizerStates(*model, QuantizerState::Disabled);
    baseline = probe.evaluateMap();
    snapshot.restore();
  }
  if (a.budget) {
    const FloatLayerSelection s = selectFloatLayers(*model, rows, *a.budget, baseline, probe.evaluateMap);
    yamlText = sensitiveLayersYaml(s, *a.budget);
    summary += "\n## Float layers for a drop <= " + fmt::format("{:.4f}", *a.budget) + "\n\n```yaml\n" +
               yamlText + "```\n";
    std::cout << "\n" << yamlText;
  }
  const std::filesystem::path parent = std::filesystem::path(a.output).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  writeStringAtomically(a.output, csv);
  writeStringAtomically(md, summary);
  if (pngSupported())
    writePng(png, renderBarChart(bars));
  else
    spdlog::warn("this build has no libpng: {} not written", png);
  if (a.budget) writeStringAtomically(yaml, yamlText);
  spdlog::info("wrote {}, {} and {}{}", a.output, md, png, a.budget ? " and " + yaml : "");
}

}  // namespace

void addSensitivityCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("sensitivity",
                                 "Per-layer INT8 sensitivity: enable one layer's quantizers at a time");
  auto a = std::make_shared<SensitivityArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", a->checkpoint, "FP32 weights")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", a->data, "Dataset root")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--output", a->output, "CSV to write (report .png / .md next to it)")->required();
  addRecipeOptions(cmd, a->recipe, /*withFullInt8=*/false);
  cmd->add_option("--split", a->split, "Calibration split")->capture_default_str();
  cmd->add_option("--calib", a->calib, "Use this calibration JSON (all layers) instead of calibrating")
      ->check(CLI::ExistingFile);
  cmd->add_option("--eval-split", a->evalSplit, "Evaluation split")->capture_default_str();
  cmd->add_option("--eval-frames", a->evalFrames, "Evaluation frames per layer")
      ->check(CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()))
      ->capture_default_str();
  cmd->add_option("--proxy-frames", a->proxyFrames, "Frames for the proxy and the SQNR")
      ->capture_default_str();
  cmd->add_flag("--proxy", a->proxy, "Rank by the head-output proxy only (seconds; no evaluation per layer)");
  cmd->add_option("--budget", a->budget, "Also select float layers for an INT8 mAP drop <= this fraction");
  cmd->add_option("--splits", a->splits, "Splits file (YAML)")->check(CLI::ExistingFile);
  cmd->add_option("--version", a->version, "nuScenes version folder");
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing outputs");
  cmd->callback([a] { runSensitivity(*a); });
}

}  // namespace cpq::cli
