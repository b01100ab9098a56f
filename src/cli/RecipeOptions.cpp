#include "cli/RecipeOptions.h"

namespace cpq::cli {

void addRecipeOptions(CLI::App* cmd, RecipeOptions& o, std::string& checkpoint, bool withFullInt8) {
  cmd->add_option("--config", o.config, "Model config (YAML) with its quantization section")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", checkpoint, "Trained FP32 weights (.pth / .safetensors)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--calibrate-batches", o.overrides.calibrationBatches,
                  "Calibration batches (default: quantization.calibration.num_batches)");
  cmd->add_option("--method", o.overrides.method, "max, percentile, mse or entropy (default: the config's)");
  cmd->add_option("--skip-zeros", o.overrides.skipZeros,
                  "Histogram skip_zeros (true/false; default: the config's)");
  if (withFullInt8)
    cmd->add_flag("--full-int8", o.overrides.fullInt8,
                  "Quantize every layer (ignore quantization.sensitive_layers)");
}

void RecipeOptions::resolve(const std::string& command, CenterPointConfig& cfg, QuantRecipe& recipe) const {
  cfg = loadConfig(config);
  recipe = QuantRecipe::fromConfig(cfg).with(overrides, command);
}

}  // namespace cpq::cli
