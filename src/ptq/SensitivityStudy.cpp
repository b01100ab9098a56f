#include "ptq/SensitivityStudy.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/RgbImage.h"
#include "dataset/DetectionDataset.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "ptq/BarChart.h"
#include "ptq/Calibration.h"
#include "ptq/CalibrationFile.h"
#include "ptq/ModelPreparation.h"
#include "quant/LayerSqnr.h"
#include "quant/QuantInsertion.h"

namespace cpq {
namespace {

std::string number(double v, const char* fmtSpec = "{:.6f}") {
  return std::isfinite(v) ? fmt::format(fmt::runtime(fmtSpec), v) : std::string();
}

// Rows sorted by delta (or the proxy), most sensitive first; ties keep network order.
std::vector<SensitivityRow> sortedRows(const SensitivityResult& r, bool proxyOnly) {
  std::vector<SensitivityRow> sorted = r.rows;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const SensitivityRow& x, const SensitivityRow& y) {
    return proxyOnly ? x.proxy > y.proxy : x.delta > y.delta;
  });
  return sorted;
}

}  // namespace

SensitivityOutputPaths SensitivityOutputPaths::forCsv(const std::string& csv) {
  const std::filesystem::path p(csv);
  if (p.extension() != ".csv") throw Error("sensitivity --output must name a .csv file, not '" + csv + "'");
  const std::string stem = (p.parent_path() / p.stem()).string();
  return {csv, stem + ".png", stem + ".md", stem + ".sensitive_layers.yaml"};
}

std::string sensitivityCsv(const SensitivityResult& r, bool proxyOnly) {
  std::string csv = "layer,map,delta,sqnr_db,proxy\n";
  for (const auto& row : sortedRows(r, proxyOnly))
    csv += fmt::format("{},{},{},{},{}\n", row.layer, number(row.map),
                       proxyOnly ? number(row.proxy) : number(row.delta), number(row.sqnrDb, "{:.2f}"),
                       number(row.proxy));
  return csv;
}

std::string sensitivityMarkdown(const SensitivityResult& r, const SensitivityJob& job) {
  std::string md = fmt::format(
      "# Sensitivity of {}\n\n{} layers, {} evaluation frames of split '{}'{}; "
      "calibration {} on {} batches of split '{}'.\n\n",
      job.checkpoint, r.rows.size(), r.evaluationFrames, job.evaluationSplit,
      job.proxyOnly ? "" : fmt::format(", float mAP {:.4f}", r.baselineMap), r.method,
      job.recipe.calibrationBatches, job.calibrationSplit);
  if (!job.proxyOnly) {
    std::vector<double> d, p;
    for (const auto& row : r.rows) {
      d.push_back(row.delta);
      p.push_back(row.proxy);
    }
    md += fmt::format(
        "Proxy vs mAP-drop ranking: Spearman rank correlation {:.3f} over {} layers ({} proxy frames).\n\n",
        spearmanCorrelation(d, p), r.rows.size(), r.proxyFrames);
  }
  md += "| # | layer | mAP | delta | SQNR (dB) | proxy |\n|---|---|---|---|---|---|\n";
  const std::vector<SensitivityRow> sorted = sortedRows(r, job.proxyOnly);
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& row = sorted[i];
    md +=
        fmt::format("| {} | {} | {} | {} | {} | {} |\n", i + 1, row.layer, number(row.map, "{:.4f}"),
                    number(row.delta, "{:+.4f}"), number(row.sqnrDb, "{:.1f}"), number(row.proxy, "{:.4g}"));
  }
  if (r.selection)
    md += "\n## Float layers for a drop <= " + fmt::format("{:.4f}", *job.budget) + "\n\n```yaml\n" +
          sensitiveLayersYaml(*r.selection, *job.budget) + "```\n";
  return md;
}

std::string sensitivityConsoleTable(const SensitivityResult& r, bool proxyOnly, size_t top) {
  std::string text = std::string("\nmost sensitive layers (") + (proxyOnly ? "proxy" : "mAP drop") + "):\n";
  const std::vector<SensitivityRow> sorted = sortedRows(r, proxyOnly);
  for (size_t i = 0; i < sorted.size() && i < top; ++i) {
    const auto& row = sorted[i];
    text += fmt::format("  {:>2}. {:<45} {:>10} sqnr {:>6} dB\n", i + 1, row.layer,
                        proxyOnly ? number(row.proxy, "{:.4g}") : number(row.delta, "{:+.4f}"),
                        number(row.sqnrDb, "{:.1f}"));
  }
  return text;
}

SensitivityResult runSensitivityStudy(const SensitivityJob& job) {
  const SensitivityOutputPaths out = SensitivityOutputPaths::forCsv(job.output);
  for (const auto& f : {out.csv, out.png, out.md}) refuseToOverwrite(f, job.overwrite);
  if (job.budget) refuseToOverwrite(out.yaml, job.overwrite);
  if (job.budget && !(*job.budget >= 0))
    throw Error("sensitivity --budget must be a non-negative mAP fraction");
  if (job.evalFrames < 1) throw Error("sensitivity --eval-frames must be at least 1");
  const CenterPointConfig& cfg = job.config;
  QuantRecipe recipe = job.recipe;
  recipe.floatLayers.clear();  // every layer is profiled

  const DetectionDataset calibDs = DetectionDataset::open(
      datasetOptionsFor(cfg, job.dataRoot, job.calibrationSplit, job.splitsFile, job.version));
  const DetectionDataset evalDs = DetectionDataset::open(
      datasetOptionsFor(cfg, job.dataRoot, job.evaluationSplit, job.splitsFile, job.version));
  if (calibDs.size() == 0 || evalDs.size() == 0)
    throw Error("sensitivity: an empty calibration or evaluation split");
  const std::vector<size_t> evalFrames = frameIndices(evalDs.size(), static_cast<size_t>(job.evalFrames));

  CenterPoint model = loadCenterPoint(cfg, job.checkpoint);
  prepareForQuantization(model, recipe);
  if (!job.calibrationFile.empty())
    applyCalibrationFile(*model, job.calibrationFile);  // e.g. ptq --full-int8's
  InferencePipeline pipeline(cfg, model, job.device);
  if (job.calibrationFile.empty()) calibrate(pipeline, calibDs, frameIndices(calibDs.size()), recipe);

  const std::vector<at::Tensor> clouds = loadPointClouds(
      evalDs, frameIndices(evalFrames.size(), static_cast<size_t>(std::max<int64_t>(job.proxyFrames, 1))));
  SensitivityProbe probe;
  probe.frames = static_cast<int64_t>(clouds.size());
  probe.runFrame = [&](int64_t i) { return pipeline.forwardNetwork({clouds[i]}); };
  probe.evaluateMap = [&]() {
    return evaluateOnDataset(pipeline, evalDs, evalFrames, cfg, "eval", /*withNuScenes=*/false)
        .t4->mAP.at("overall");
  };
  SensitivityResult result;
  result.method = recipe.describe();
  result.evaluationFrames = evalFrames.size();
  result.proxyFrames = clouds.size();
  result.baselineMap = std::nan("");
  result.rows = profileSensitivity(*model, probe, !job.proxyOnly, &result.baselineMap);
  if (job.budget) {
    double baseline = result.baselineMap;
    if (std::isnan(
            baseline)) {  // the proxy-only profile skipped the float evaluation; the selection needs it
      QuantizerStateSnapshot snapshot(*model);
      setQuantizerStates(*model, QuantizerState::Disabled);
      baseline = probe.evaluateMap();
      snapshot.restore();
    }
    result.selection = selectFloatLayers(*model, result.rows, *job.budget, baseline, probe.evaluateMap);
  }

  const std::filesystem::path parent = std::filesystem::path(out.csv).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  writeStringAtomically(out.csv, sensitivityCsv(result, job.proxyOnly));
  writeStringAtomically(out.md, sensitivityMarkdown(result, job));
  std::vector<double> bars;  // network order
  for (const auto& row : result.rows) bars.push_back(job.proxyOnly ? row.proxy : row.delta);
  if (pngSupported())
    writePng(out.png, renderBarChart(bars));
  else
    spdlog::warn("this build has no libpng: {} not written", out.png);
  if (result.selection) writeStringAtomically(out.yaml, sensitiveLayersYaml(*result.selection, *job.budget));
  spdlog::info("wrote {}, {} and {}{}", out.csv, out.md, out.png, result.selection ? " and " + out.yaml : "");
  return result;
}

}  // namespace cpq
