// `export`: the two ONNX files Autoware runs and its param file, from a config and weights.
#include <spdlog/spdlog.h>


#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "config/CenterPointConfig.h"
#include "core/Error.h"
#include "export/AutowareParamFile.h"
#include "export/CenterPointOnnxExport.h"

namespace cpq::cli {

void addExportCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "export", "Export the model as Autoware's two ONNX files (opset 17, BN folded) and its param file");
  struct Args {
    std::string config, checkpoint, outDir;
    bool randomInit = false, overwrite = false;
    uint64_t seed = 0;
    OnnxExportOptions options;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--config", args->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  addWeightOptions(cmd, args->checkpoint, args->randomInit, args->seed);
  cmd->add_option("--out-dir", args->outDir, "Output folder")->required();
  cmd->add_option("--name", args->options.name, "Model name in the file names")->capture_default_str();
  cmd->add_flag("--autoware", args->options.autoware,
                "Autoware's box layout: dim as (w, l, h), rot as (-cos, -sin)");
  cmd->add_flag("--overwrite", args->overwrite, "Replace the files of an earlier export in --out-dir");
  cmd->callback([args] {
    const Args& a = *args;
    requireOneWeightSource("export", a.checkpoint, a.randomInit);
    refuseExistingExport(a.outDir, a.options, a.overwrite);  // before the (slow) weight loading
    const CenterPointConfig cfg = loadConfig(a.config);
    CenterPoint model = modelFromWeightOptions(cfg, a.checkpoint, a.seed);
    exportCenterPointOnnx(model, cfg, a.outDir, a.options, a.overwrite);
    spdlog::info("{}: {}, {} and {} written{}", a.outDir, voxelEncoderOnnxFileName(a.options.name),
                 backboneNeckHeadOnnxFileName(a.options.name), kAutowareParamFileName,
                 a.options.autoware ? " (Autoware y-axis reference layout)" : "");
  });
}

}  // namespace cpq::cli
