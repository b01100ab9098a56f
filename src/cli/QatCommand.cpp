// `qat`: quantization-aware fine-tuning of a trained model (ptq/QatRun does the work; this file is its
// flags and the validation summary it prints: per epoch, then FP32 vs QAT with paired intervals).
#include <fmt/format.h>

#include <iostream>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "cli/RecipeOptions.h"
#include "cli/TrainingRunOptions.h"
#include "ptq/QatRun.h"

namespace cpq::cli {
namespace {

struct QatArgs {
  QatJob job;
  RecipeOptions recipe;
  TrainingRunOptions run = qatDefaults();
  bool noFreezeBn = false, noCompare = false;

  static TrainingRunOptions qatDefaults() {
    TrainingRunOptions o;
    o.epochs = 3;  // TIER IV's QAT config
    o.lr = 1e-4;
    return o;
  }
};

void runQatCommand(QatArgs& a) {
  QatJob& j = a.job;
  j.trainer = trainerOptionsFor(a.run, "");  // parses --device before any work; the run sets the work dir
  a.recipe.resolve("qat", j.config, j.recipe);
  j.dataRoot = a.run.data;
  j.splitsFile = a.run.splits;
  j.version = a.run.version;
  j.split = a.run.split;
  j.valSplit = a.run.valSplit;
  j.freezeBn = !a.noFreezeBn;
  j.compare = !a.noCompare;
  const QatResult result = runQat(j);
  std::cout << "\nQAT validation (range-bucketed mAP, overall):\n";
  for (const auto& r : result.history)
    std::cout << fmt::format("  epoch {:>2}: loss {:.4f}  mAP {}\n", r.epoch, r.meanLoss,
                             r.valMap ? fmt::format("{:.4f}", *r.valMap) : std::string("-"));
  if (result.paired)
    std::cout << "\nFP32 vs QAT on " << result.paired->frames << " validation frames (paired bootstrap):\n"
              << result.paired->markdown();
}

}  // namespace

void addQatCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "qat", "Quantization-aware fine-tuning of a trained model (fake-quant checkpoint out)");
  auto a = std::make_shared<QatArgs>();
  QatJob& j = a->job;
  addRecipeOptions(cmd, a->recipe, j.checkpoint);
  cmd->add_option("--output", j.output, "Fake-quant checkpoint to write (.safetensors; .pth next to it)")
      ->required();
  addTrainingRunOptions(cmd, a->run, "Training (and calibration) split");
  cmd->add_option("--calib", j.calibrationFile, "Reuse this calibration JSON instead of calibrating")
      ->check(CLI::ExistingFile);
  cmd->add_option("--start-epoch", j.startEpoch,
                  "Float epochs (frozen BN) before calibrating; quantized fine-tuning from epoch K + 1")
      ->capture_default_str();
  cmd->add_flag("--distill", j.distill,
                "Learn to reproduce the float model's head outputs (the --checkpoint as teacher) instead of "
                "the labels");
  cmd->add_flag("--no-freeze-bn", a->noFreezeBn, "Let BatchNorm statistics update (default: frozen)");
  cmd->add_flag("--learn-amax", a->recipe.overrides.learnAmax,
                "PACT-style learnable activation amax (default: frozen)");
  cmd->add_option("--work-dir", j.workDir, "Checkpoints and state (default: <output stem>_work)");
  cmd->add_option("--onnx-dir", j.onnxDir, "Also export the INT8 Q/DQ ONNX pair here");
  cmd->add_flag(
      "--no-compare", a->noCompare,
      "Skip the final FP32 vs QAT comparison on the validation frames (<output stem>.summary.json/.md)");
  addBootstrapOptions(cmd, j.bootstrap);
  cmd->add_flag("--overwrite", j.overwrite, "Replace existing --output files");
  cmd->callback([a] { runQatCommand(*a); });
}

}  // namespace cpq::cli
