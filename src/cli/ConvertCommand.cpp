// `convert`: .pth <-> .safetensors, by the output's extension.
#include <spdlog/spdlog.h>

#include "checkpoint/Checkpoint.h"
#include "cli/Commands.h"
#include "core/AtomicFile.h"

namespace cpq::cli {

void addConvertCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert",
                                 "Convert a checkpoint between .pth (PyTorch / mmengine) and .safetensors");
  struct Args {
    std::string input, output;
    bool overwrite = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--checkpoint", args->input, "Input checkpoint (.pth, .pt or .safetensors)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--output", args->output, "Output file; the format follows its extension")->required();
  cmd->add_flag("--overwrite", args->overwrite, "Replace the output if it exists");
  cmd->callback([args] {
    refuseToOverwrite(args->output, args->overwrite);
    const StateDict sd = loadCheckpoint(args->input);
    saveCheckpoint(args->output, sd);
    spdlog::info("{}: {} tensors written", args->output, sd.size());
  });
}

}  // namespace cpq::cli
