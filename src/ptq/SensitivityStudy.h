#pragma once
// The per-layer sensitivity study that `sensitivity` runs (ptq/Sensitivity holds the profiling itself):
// the fully quantized model calibrated once (or from a calibration file), every layer profiled against
// the float baseline, the results as a CSV sorted by sensitivity, a bar chart in network order, a
// Markdown summary and a console table (the top layers' deltas with their paired bootstrap intervals);
// with a budget also the float-layer set that keeps the mAP drop
// within it, as a `sensitive_layers:` block.
#include <optional>
#include <string>
#include <vector>

#include "config/CenterPointConfig.h"
#include "eval/PairedBootstrap.h"
#include "ptq/QuantRecipe.h"
#include "ptq/Sensitivity.h"

namespace cpq {

// <stem>.csv, <stem>.png, <stem>.md and (with a budget) <stem>.sensitive_layers.yaml.
struct SensitivityOutputPaths {
  std::string csv, png, md, yaml;
  // cpq::Error when `csv` is not a .csv path.
  static SensitivityOutputPaths forCsv(const std::string& csv);
};

struct SensitivityJob {
  CenterPointConfig config;
  QuantRecipe recipe;  // its float layers are ignored: every layer is profiled
  std::string checkpoint;
  std::string dataRoot, splitsFile, version;
  std::string calibrationSplit = "train", evaluationSplit = "val";
  std::string calibrationFile;  // non-empty: every layer's amax from this JSON instead of calibrating
  int64_t evalFrames = 50, proxyFrames = 8;
  bool proxyOnly = false;        // rank by the head-output proxy only (no evaluation per layer)
  std::optional<double> budget;  // also select float layers for a drop <= budget
  // The paired bootstrap interval of the delta (float vs the layer, on the same frames) for this many
  // layers with the largest delta; 0: none. Not with proxyOnly.
  int intervalLayers = 10;
  BootstrapOptions bootstrap;
  at::Device device = at::kCPU;
  std::string output;  // the CSV; the other files go next to it
  bool overwrite = false;
};

struct SensitivityResult {
  std::vector<SensitivityRow> rows;  // network order
  double baselineMap = 0;            // NaN when proxy-only without a budget
  std::optional<FloatLayerSelection> selection;
  size_t evaluationFrames = 0, proxyFrames = 0;
  size_t intervals = 0;  // rows with deltaLo / deltaHi
  std::string method;    // the calibration method as described in the report
};

// Runs the study and writes its files; existing outputs are refused before any work.
SensitivityResult runSensitivityStudy(const SensitivityJob& job);

// The report's parts, from a result (pure functions of it).
std::string sensitivityCsv(const SensitivityResult& r, bool proxyOnly);
std::string sensitivityMarkdown(const SensitivityResult& r, const SensitivityJob& job);
std::string sensitivityConsoleTable(const SensitivityResult& r, bool proxyOnly, size_t top = 10);

}  // namespace cpq
