// `ptq`: post-training quantization of a trained model on a dataset split, with the FP32 vs INT8 report
// (ptq/PtqRun does the work; this file is its flags).
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "cli/RecipeOptions.h"
#include "core/Error.h"
#include "ptq/PtqRun.h"

namespace cpq::cli {
namespace {

struct PtqArgs {
  PtqJob job;
  RecipeOptions recipe;
  std::string device = "cpu";
};

void runPtqCommand(PtqArgs& a) {
  if (a.job.calibration.batchSize <= 0) throw Error("ptq --batch-size must be positive");
  a.recipe.resolve("ptq", a.job.config, a.job.recipe);
  a.job.configPath = a.recipe.config;
  a.job.device = parseDevice(a.device);
  const PtqResult r = runPtq(a.job);
  std::cout << "\nFP32 vs INT8, range-bucketed mAP on " << r.evaluationFrames << " frames of split '"
            << a.job.evaluationSplit << "' (" << r.report.settings["method"].get<std::string>() << ", "
            << r.report.floatLayers.size() << " layers float):\n"
            << r.report.consoleTable();
  spdlog::info("wrote {} (+ .pth, .calib.json, .trt_calib.cache, .report.json, .report.md, figures){}",
               r.paths.checkpoint, a.job.onnxDir.empty() ? "" : ", ONNX pair in " + a.job.onnxDir);
}

}  // namespace

void addPtqCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "ptq", "Post-training quantization: calibrate, evaluate FP32 vs INT8, write the fake-quant checkpoint");
  auto a = std::make_shared<PtqArgs>();
  PtqJob& j = a->job;
  addRecipeOptions(cmd, a->recipe, j.checkpoint);
  cmd->add_option("--data", j.dataRoot, "Dataset root (nuScenes / T4 layout)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--output", j.output, "Fake-quant checkpoint to write (.safetensors)")->required();
  cmd->add_option("--split", j.calibrationSplit, "Calibration split")->capture_default_str();
  cmd->add_option("--eval-split", j.evaluationSplit, "Evaluation split")->capture_default_str();
  cmd->add_option("--splits", j.splitsFile, "Splits file (YAML: split -> scene names)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--version", j.version, "nuScenes version folder when the dataroot has several");
  cmd->add_option("--batch-size", j.calibration.batchSize, "Frames per calibration batch")
      ->capture_default_str();
  cmd->add_option("--max-eval-frames", j.maxEvalFrames, "Evaluate only the first N frames of --eval-split");
  addBootstrapOptions(cmd, j.bootstrap);
  cmd->add_flag("--noise-curve", j.noiseCurve,
                "Also report the interval on the first 50, 100, 200, ... evaluation frames");
  cmd->add_flag(
      "--no-figures", [a](int64_t) { a->job.figures = false; }, "Leave the report's PNG figures out");
  cmd->add_option("--sqnr-frames", j.sqnrFrames, "Eval frames for the per-layer SQNR")->capture_default_str();
  cmd->add_flag("--strict", j.calibration.strict,
                "Refuse when the split has fewer calibration frames than asked");
  cmd->add_option("--onnx-dir", j.onnxDir, "Also export the INT8 (Q/DQ) ONNX pair into this folder");
  cmd->add_flag("--autoware", j.onnx.autoware, "ONNX in Autoware's box layout (with --onnx-dir)");
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_flag("--overwrite", j.overwrite, "Replace existing output files");
  cmd->callback([a] { runPtqCommand(*a); });
}

}  // namespace cpq::cli
