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
  if (withFullInt8) {
    cmd->add_flag("--full-int8", o.overrides.fullInt8,
                  "Quantize every layer (ignore quantization.sensitive_layers)");
    cmd->add_option(
           "--float-layers", o.floatLayers,
           "Layers kept float, comma-separated module paths (replaces quantization.sensitive_layers; "
           "e.g. pts_voxel_encoder for dense INT8)")
        ->delimiter(',')
        ->each([&o](const std::string&) { o.floatLayersGiven = true; });
  }
  cmd->add_option("--equalization", o.overrides.equalization,
                  "Channel equalization before calibration: none or activation (default: "
                  "quantization.methods.equalization)");
  cmd->add_option(
      "--range-search", o.overrides.rangeSearch,
      "Input amax search after calibration: none or output (default: quantization.methods.range_search)");
  cmd->add_flag(
      "--bias-correction", o.biasCorrection,
      "Correct each quantized layer's mean output shift (default: quantization.methods.bias_correction)");
}

void RecipeOptions::resolve(const std::string& command, CenterPointConfig& cfg, QuantRecipe& recipe) const {
  cfg = loadConfig(config);
  RecipeOverrides o = overrides;
  if (floatLayersGiven) o.floatLayers = floatLayers;
  if (biasCorrection) o.biasCorrection = true;
  recipe = QuantRecipe::fromConfig(cfg).with(o, command);
}

}  // namespace cpq::cli
