// `export`: the two ONNX files Autoware runs and its param file, from a config and weights; with --data,
// calibrated first and written as INT8 Q/DQ; with --quantized, from a fake-quant checkpoint as INT8 Q/DQ
// graphs for TensorRT (ptq/ExportRun does the work; docs/export_int8.md).
#include <spdlog/spdlog.h>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "export/AutowareParamFile.h"
#include "export/CenterPointOnnxExport.h"
#include "ptq/ExportRun.h"

namespace cpq::cli {

void addExportCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "export", "Export the model as Autoware's two ONNX files (opset 17, BN folded) and its param file");
  struct Args {
    ExportJob job;
    std::string config, device = "cpu";
    bool randomInit = false;
  };
  auto args = std::make_shared<Args>();
  ExportJob& j = args->job;
  cmd->add_option("--config", args->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  addWeightOptions(cmd, j.checkpoint, args->randomInit, j.seed);
  cmd->add_option("--out-dir", j.outDir, "Output folder")->required();
  cmd->add_option("--name", j.options.name, "Model name in the file names")->capture_default_str();
  cmd->add_flag("--autoware", j.options.autoware,
                "Autoware's box layout: dim as (w, l, h), rot as (-cos, -sin)");
  cmd->add_flag(
      "--quantized", j.quantized,
      "The checkpoint is a fake-quant checkpoint (ptq / qat output, with _amax keys): write INT8 Q/DQ "
      "graphs for TensorRT; the graph input/output types follow quantization.precision in the config");
  cmd->add_option(
         "--data", j.dataRoot,
         "Calibrate the float model on this dataset with the config's quantization recipe, then write "
         "INT8 Q/DQ")
      ->check(CLI::ExistingDirectory)
      ->excludes("--quantized");
  cmd->add_option("--split", j.split, "Calibration split (with --data)")->capture_default_str();
  cmd->add_option("--device", args->device, "Calibration device (with --data)")->capture_default_str();
  cmd->add_flag("--overwrite", j.overwrite, "Replace the files of an earlier export in --out-dir");
  cmd->callback([args] {
    ExportJob& job = args->job;
    requireOneWeightSource("export", job.checkpoint, args->randomInit);
    job.config = loadConfig(args->config);
    job.device = parseDevice(args->device);
    const std::string what = runExport(job);
    spdlog::info("{}: {}, {} and {} written{}{}", job.outDir, voxelEncoderOnnxFileName(job.options.name),
                 backboneNeckHeadOnnxFileName(job.options.name), kAutowareParamFileName, what,
                 job.options.autoware ? " (Autoware y-axis reference layout)" : "");
  });
}

}  // namespace cpq::cli
