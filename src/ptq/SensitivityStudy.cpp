#include "ptq/SensitivityStudy.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

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

// "[lo, hi]" of the delta, empty without an interval.
std::string interval(const SensitivityRow& row) {
  if (!std::isfinite(row.deltaLo) || !std::isfinite(row.deltaHi)) return "";
  return fmt::format("[{:+.4f}, {:+.4f}]", row.deltaLo, row.deltaHi);
}

// The float baseline's and the top layers' (by delta) frame-weighted curves, kept as profileSensitivity
// evaluates: at most `capacity` layers at a time, a later layer displacing the smallest delta only when
// strictly larger (ties keep network order, as the sorted report does).
class TopLayerCurves {
 public:
  explicit TopLayerCurves(size_t capacity) : capacity_(capacity) {}

  void scored(ResampledMetrics m) { last_.emplace(std::move(m)); }
  void evaluated(const SensitivityRow* row) {
    if (!last_) return;
    if (!row) {
      baseline_.emplace(std::move(*last_));
    } else if (capacity_ > 0 && std::isfinite(row->delta)) {
      Kept k{row->layer, row->delta, next_, std::move(*last_)};
      if (kept_.size() < capacity_) {
        kept_.push_back(std::move(k));
      } else {
        // The least sensitive kept layer: the smallest delta, of equal ones the latest in network order.
        auto weakest = std::min_element(kept_.begin(), kept_.end(), [](const Kept& a, const Kept& b) {
          return a.delta < b.delta || (a.delta == b.delta && a.order > b.order);
        });
        if (k.delta > weakest->delta) *weakest = std::move(k);
      }
    }
    if (row) ++next_;
    last_.reset();
  }

  // Sets deltaLo / deltaHi of the kept layers' rows; returns how many.
  size_t intervals(std::vector<SensitivityRow>& rows, const BootstrapOptions& options) const {
    if (!baseline_) return 0;
    size_t n = 0;
    for (const Kept& k : kept_) {
      auto row =
          std::find_if(rows.begin(), rows.end(), [&](const SensitivityRow& r) { return r.layer == k.layer; });
      if (row == rows.end()) continue;
      const PairedComparison pc = pairedBootstrap(*baseline_, k.curves, options, "float", k.layer);
      const PairedInterval* iv = pc.find("t4.mAP.overall");
      if (!iv) continue;
      // pc's difference is layer - float = -delta.
      row->deltaLo = -iv->hi;
      row->deltaHi = -iv->lo;
      ++n;
    }
    return n;
  }

 private:
  struct Kept {
    std::string layer;
    double delta;
    size_t order;  // network order
    ResampledMetrics curves;
  };
  size_t capacity_, next_ = 0;
  std::optional<ResampledMetrics> last_, baseline_;
  std::vector<Kept> kept_;
};

}  // namespace

SensitivityOutputPaths SensitivityOutputPaths::forCsv(const std::string& csv) {
  const std::filesystem::path p(csv);
  if (p.extension() != ".csv") throw Error("sensitivity --output must name a .csv file, not '" + csv + "'");
  const std::string stem = (p.parent_path() / p.stem()).string();
  return {csv, stem + ".png", stem + ".md", stem + ".sensitive_layers.yaml"};
}

std::string sensitivityCsv(const SensitivityResult& r, bool proxyOnly) {
  std::string csv = "layer,map,delta,delta_lo,delta_hi,sqnr_db,proxy\n";
  for (const auto& row : sortedRows(r, proxyOnly))
    csv += fmt::format("{},{},{},{},{},{},{}\n", row.layer, number(row.map),
                       proxyOnly ? number(row.proxy) : number(row.delta), number(row.deltaLo),
                       number(row.deltaHi), number(row.sqnrDb, "{:.2f}"), number(row.proxy));
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
    if (r.intervals > 0)
      md += fmt::format(
          "95% interval: paired bootstrap of the delta (float vs the layer quantized, same frames) for the "
          "{} layers with the largest delta; {} resamples, seed {}.\n\n",
          r.intervals, job.bootstrap.resamples, job.bootstrap.seed);
  }
  md += "| # | layer | mAP | delta | 95% interval | SQNR (dB) | proxy |\n|---|---|---|---|---|---|---|\n";
  const std::vector<SensitivityRow> sorted = sortedRows(r, job.proxyOnly);
  for (size_t i = 0; i < sorted.size(); ++i) {
    const auto& row = sorted[i];
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", i + 1, row.layer, number(row.map, "{:.4f}"),
                      number(row.delta, "{:+.4f}"), interval(row), number(row.sqnrDb, "{:.1f}"),
                      number(row.proxy, "{:.4g}"));
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
    text += fmt::format("  {:>2}. {:<45} {:>10} {:>19} sqnr {:>6} dB\n", i + 1, row.layer,
                        proxyOnly ? number(row.proxy, "{:.4g}") : number(row.delta, "{:+.4f}"), interval(row),
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
  if (job.intervalLayers < 0) throw Error("sensitivity --interval-layers must not be negative");
  const bool withIntervals = !job.proxyOnly && job.intervalLayers > 0;
  if (withIntervals) job.bootstrap.validate("sensitivity --bootstrap");
  const CenterPointConfig& cfg = job.config;
  QuantRecipe recipe = job.recipe;
  recipe.floatLayers.clear();  // every layer is profiled
  if (recipe.biasCorrection)
    throw Error(
        "sensitivity cannot run with quantization.methods.bias_correction (--bias-correction): it switches "
        "layers between INT8 and float, and a corrected bias fits only the layer's INT8 version; profile "
        "without it (equalization and the range search are supported)");

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
  auto evaluateMap = [&]() {
    return evaluateOnDataset(pipeline, evalDs, evalFrames, cfg, "eval", /*withNuScenes=*/false)
        .t4->mAP.at("overall");
  };
  TopLayerCurves curves(withIntervals ? static_cast<size_t>(job.intervalLayers) : 0);
  if (withIntervals) {
    probe.evaluateMap = [&]() {
      ScoredRun run = scoreOnDataset(pipeline, evalDs, evalFrames, cfg, "eval", /*withNuScenes=*/false);
      const double map = run.report.t4->mAP.at("overall");
      curves.scored(std::move(run.resampled));
      return map;
    };
    probe.evaluated = [&](const SensitivityRow* row) { curves.evaluated(row); };
  } else {
    probe.evaluateMap = evaluateMap;
  }
  SensitivityResult result;
  result.method = recipe.describe();
  result.evaluationFrames = evalFrames.size();
  result.proxyFrames = clouds.size();
  result.baselineMap = std::nan("");
  result.rows = profileSensitivity(*model, probe, !job.proxyOnly, &result.baselineMap);
  if (withIntervals) {
    result.intervals = curves.intervals(result.rows, job.bootstrap);
    spdlog::info("paired bootstrap intervals of the delta for {} layers ({} resamples)", result.intervals,
                 job.bootstrap.resamples);
  }
  if (job.budget) {
    double baseline = result.baselineMap;
    if (std::isnan(
            baseline)) {  // the proxy-only profile skipped the float evaluation; the selection needs it
      QuantizerStateSnapshot snapshot(*model);
      setQuantizerStates(*model, QuantizerState::Disabled);
      baseline = evaluateMap();
      snapshot.restore();
    }
    result.selection = selectFloatLayers(*model, result.rows, *job.budget, baseline, evaluateMap);
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
