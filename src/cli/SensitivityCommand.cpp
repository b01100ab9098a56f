// `sensitivity`: which layers suffer from INT8 (ptq/SensitivityStudy does the work; this file is its
// flags): one layer's quantizers at a time against the float baseline, a CSV, a bar chart, a Markdown
// summary (the top layers' deltas with paired bootstrap intervals), and with --budget the float-layer set
// that keeps the mAP drop within it.
#include <iostream>
#include <limits>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "cli/RecipeOptions.h"
#include "ptq/SensitivityStudy.h"

namespace cpq::cli {
namespace {

struct SensitivityArgs {
  SensitivityJob job;
  RecipeOptions recipe;
  std::string device = "cpu";
};

void runSensitivityCommand(SensitivityArgs& a) {
  a.recipe.resolve("sensitivity", a.job.config, a.job.recipe);
  a.job.device = parseDevice(a.device);
  const SensitivityResult r = runSensitivityStudy(a.job);
  std::cout << sensitivityConsoleTable(r, a.job.proxyOnly);
  if (r.selection) std::cout << "\n" << sensitiveLayersYaml(*r.selection, *a.job.budget);
}

}  // namespace

void addSensitivityCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("sensitivity",
                                 "Per-layer INT8 sensitivity: enable one layer's quantizers at a time");
  auto a = std::make_shared<SensitivityArgs>();
  SensitivityJob& j = a->job;
  addRecipeOptions(cmd, a->recipe, j.checkpoint, /*withFullInt8=*/false);
  cmd->add_option("--data", j.dataRoot, "Dataset root")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--output", j.output, "CSV to write (report .png / .md next to it)")->required();
  cmd->add_option("--split", j.calibrationSplit, "Calibration split")->capture_default_str();
  cmd->add_option("--calib", j.calibrationFile,
                  "Use this calibration JSON (all layers) instead of calibrating")
      ->check(CLI::ExistingFile);
  cmd->add_option("--eval-split", j.evaluationSplit, "Evaluation split")->capture_default_str();
  cmd->add_option("--eval-frames", j.evalFrames, "Evaluation frames per layer")
      ->check(CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()))
      ->capture_default_str();
  cmd->add_option("--proxy-frames", j.proxyFrames, "Frames for the proxy and the SQNR")
      ->capture_default_str();
  cmd->add_flag("--proxy", j.proxyOnly,
                "Rank by the head-output proxy only (seconds; no evaluation per layer)");
  cmd->add_option("--interval-layers", j.intervalLayers,
                  "Paired bootstrap 95% interval of the delta for this many most sensitive layers (0: none; "
                  "not with --proxy)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  addBootstrapOptions(cmd, j.bootstrap);
  cmd->add_option("--budget", j.budget, "Also select float layers for an INT8 mAP drop <= this fraction");
  cmd->add_option("--splits", j.splitsFile, "Splits file (YAML)")->check(CLI::ExistingFile);
  cmd->add_option("--version", j.version, "nuScenes version folder");
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_flag("--overwrite", j.overwrite, "Replace existing outputs");
  cmd->callback([a] { runSensitivityCommand(*a); });
}

}  // namespace cpq::cli
