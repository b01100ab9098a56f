// `eval`: the detector over a dataset split (or an existing results file) scored with the nuScenes metric
// and the range-bucketed mAP; writes results_nusc.json, metrics.json and summary.md into --out-dir.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "config/CenterPointConfig.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "eval/DatasetEvaluation.h"
#include "eval/ResultsComparison.h"
#include "eval/ResultsValidation.h"
#include "eval/ResultsWriter.h"
#include "infer/DatasetInference.h"

namespace cpq::cli {
namespace {

struct EvalArgs {
  std::string config, checkpoint, data, version, split = "val", splits, metric, outDir = "eval_out", results;
  std::vector<std::string> compare;  // two results files
  BootstrapOptions bootstrap;
  std::string device = "cpu";
  bool randomInit = false, overwrite = false;
  uint64_t seed = 0;
  size_t maxFrames = 0;
};

void requireMetricName(const EvalArgs& a) {
  if (!a.metric.empty() && a.metric != "t4" && a.metric != "nuscenes" && a.metric != "both")
    throw Error("eval: --metric must be t4, nuscenes or both, not '" + a.metric + "'");
}

// What a results file's boxes are checked against: the nuScenes config, else the range buckets' classes.
DetectionConfig resultsChecks(const EvaluationOptions& options) {
  DetectionConfig checks = options.nuscenes ? *options.nuscenes : DetectionConfig::defaults();
  if (!options.nuscenes) checks.classNames = options.rangeBuckets->classes;
  return checks;
}

EvaluationOptions evaluationOptions(const EvalArgs& a, const CenterPointConfig* cfg) {
  const std::string metric = a.metric.empty() ? (cfg ? "both" : "nuscenes") : a.metric;
  EvaluationOptions o;
  if (metric == "nuscenes" || metric == "both")
    o.nuscenes = nuscenesConfigFor(cfg ? cfg->classNames : std::vector<std::string>{});
  if (metric == "t4" || metric == "both") {
    if (!cfg) throw Error("eval --metric " + metric + " needs --config (its classes and range buckets)");
    o.rangeBuckets = RangeBucketConfig::fromRanges(cfg->classNames, cfg->evaluation.rangeBuckets);
  }
  return o;
}

DatasetOptions datasetOptions(const EvalArgs& a, const CenterPointConfig* cfg) {
  DatasetOptions o;
  o.dataRoot = a.data;
  o.version = a.version;
  o.split = a.split;
  o.splitsFile = a.splits;
  o.sweepsNum = cfg ? cfg->dataset.sweepsNum : 0;  // results files need no points
  o.classNames = cfg ? cfg->classNames : DetectionConfig::defaults().classNames;
  if (cfg) o.nameMapping = cfg->dataset.nameMapping;
  return o;
}

std::vector<size_t> selectFrames(const DetectionDataset& ds, size_t maxFrames, const std::string& split) {
  if (ds.size() == 0) throw Error("the split '" + split + "' of the dataset has no samples");
  return frameIndices(ds.size(), maxFrames);
}

void logHeadline(const EvaluationReport& r) {
  if (r.t4)
    for (const auto& b : r.t4->buckets)
      spdlog::info("range-bucketed mAP {:>9}: {:.4f}", b.name, r.t4->mAP.at(b.name));
  if (r.nuscenes) spdlog::info("nuScenes mAP {:.4f}, NDS {:.4f}", r.nuscenes->meanAp, r.nuscenes->ndScore);
}

// `--compare A.json B.json`: both files scored on the split and compared with paired intervals.
void runCompare(const EvalArgs& a) {
  if (!a.results.empty() || !a.checkpoint.empty() || a.randomInit || a.maxFrames)
    throw Error("eval --compare takes two results files and no --results, model or --max-frames");
  requireMetricName(a);
  a.bootstrap.validate("eval --bootstrap");
  refuseToOverwrite(a.outDir, a.overwrite);
  std::optional<CenterPointConfig> cfg;
  if (!a.config.empty()) cfg = loadConfig(a.config);
  const CenterPointConfig* c = cfg ? &*cfg : nullptr;
  const EvaluationOptions options = evaluationOptions(a, c);
  const DetectionDataset ds = DetectionDataset::open(datasetOptions(a, c));
  std::vector<const SampleInfo*> split;
  for (size_t i : selectFrames(ds, 0, a.split)) split.push_back(&ds.sample(i));
  const ResultsComparison r =
      compareResultsFiles(split, a.compare[0], a.compare[1], options, resultsChecks(options), a.bootstrap);
  std::cout << "A = " << r.fileA << ", B = " << r.fileB << "\n\n" << r.paired.markdown();
  writeFolderAtomically(a.outDir, a.overwrite, [&](const std::string& dir) {
    writeStringAtomically(dir + "/compare.json", r.toJson().dump(2) + "\n");
    writeStringAtomically(dir + "/compare.md", r.markdown());
  });
  spdlog::info("wrote {}/compare.json and compare.md", a.outDir);
}

void runEval(const EvalArgs& a) {
  if (!a.compare.empty()) return runCompare(a);
  const bool fromResults = !a.results.empty();
  if (fromResults && (!a.checkpoint.empty() || a.randomInit))
    throw Error("eval: give either --results or a model (--checkpoint / --random-init), not both");
  if (fromResults && a.maxFrames) throw Error("eval: --max-frames applies to a model run, not to --results");
  if (!fromResults) {
    if (a.config.empty()) throw Error("eval: a model run needs --config");
    requireOneWeightSource("eval", a.checkpoint, a.randomInit);
  }
  requireMetricName(a);
  refuseToOverwrite(a.outDir, a.overwrite);

  std::optional<CenterPointConfig> cfg;
  if (!a.config.empty()) cfg = loadConfig(a.config);
  const CenterPointConfig* c = cfg ? &*cfg : nullptr;
  const EvaluationOptions options = evaluationOptions(a, c);
  const DetectionDataset ds = DetectionDataset::open(datasetOptions(a, c));
  const std::vector<size_t> frames =
      fromResults ? selectFrames(ds, 0, a.split) : selectFrames(ds, a.maxFrames, a.split);
  std::vector<const SampleInfo*> samples;
  for (size_t i : frames) samples.push_back(&ds.sample(i));
  spdlog::info("{} frames of split '{}' in {}", frames.size(), a.split, a.data);

  EvalBoxes predictions;
  std::string source = a.results;
  if (fromResults) {
    predictions = loadResultsFile(a.results, resultsChecks(options));
  } else {
    InferencePipeline pipeline(*cfg, modelFromWeightOptions(*cfg, a.checkpoint, a.seed),
                               parseDevice(a.device));
    DatasetInferenceStats stats;
    const auto dets = detectOnDataset(pipeline, ds, frames, "eval", &stats);
    spdlog::info("{} frames in {:.1f} s ({:.2f} frames/s)", stats.frames, stats.seconds,
                 stats.seconds > 0 ? stats.frames / stats.seconds : 0.0);
    predictions = detectionsToResults(ds, frames, dets, cfg->classNames);
    source = "model predictions";
  }
  const EvaluationReport report = evaluatePredictions(samples, predictions, options, source);
  logHeadline(report);
  writeFolderAtomically(a.outDir, a.overwrite, [&](const std::string& dir) {
    if (!fromResults)
      writeStringAtomically(dir + "/results_nusc.json", resultsToJson(predictions).dump() + "\n");
    writeStringAtomically(dir + "/metrics.json", report.toJson().dump(2) + "\n");
    writeStringAtomically(dir + "/summary.md", report.summaryMarkdown());
  });
  spdlog::info("wrote {}/metrics.json and summary.md", a.outDir);
}

}  // namespace

void addEvalCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("eval", "Evaluate a model (or a results file) on a nuScenes / T4 dataset split");
  auto a = std::make_shared<EvalArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML); optional with --results")
      ->check(CLI::ExistingFile);
  addWeightOptions(cmd, a->checkpoint, a->randomInit, a->seed);
  cmd->add_option("--data", a->data, "Dataset root (nuScenes dataroot or T4 database folder)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--version", a->version, "nuScenes version folder when the dataroot has several");
  cmd->add_option("--split", a->split, "Split name (val, train, mini_val, ..., all)")->capture_default_str();
  cmd->add_option("--splits", a->splits, "Splits file (YAML: split -> scene names)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--max-frames", a->maxFrames, "Evaluate only the first N frames of the split");
  cmd->add_option("--metric", a->metric, "t4, nuscenes or both (default: both with --config, else nuscenes)");
  cmd->add_option("--out-dir", a->outDir, "Output folder")->capture_default_str();
  cmd->add_option("--results", a->results, "Evaluate this nuScenes results JSON instead of running a model")
      ->check(CLI::ExistingFile);
  cmd->add_option("--compare", a->compare,
                  "Compare two results files of the same frames (A.json B.json) with paired 95% intervals")
      ->expected(2)
      ->check(CLI::ExistingFile);
  addBootstrapOptions(cmd, a->bootstrap);
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace --out-dir if it exists");
  cmd->callback([a] { runEval(*a); });
}

}  // namespace cpq::cli
