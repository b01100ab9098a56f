#pragma once
// What ptq, qat and sensitivity share on their command lines: the config and the trained FP32 checkpoint,
// and the recipe flags (--calibrate-batches, --method, --skip-zeros, --full-int8, --float-layers and the
// output-error methods --equalization, --range-search, --bias-correction), declared once so that
// the three commands accept and check them alike.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "config/CenterPointConfig.h"
#include "ptq/QuantRecipe.h"

namespace cpq::cli {

struct RecipeOptions {
  std::string config;
  RecipeOverrides overrides;
  std::vector<std::string> floatLayers;  // --float-layers (given: replaces the config's sensitive_layers)
  bool floatLayersGiven = false;
  bool biasCorrection = false;  // --bias-correction

  // Loads the config and builds its recipe with the overrides; cpq::Error naming the config key or the
  // command's flag.
  void resolve(const std::string& command, CenterPointConfig& cfg, QuantRecipe& recipe) const;
};

// --config, --checkpoint (into `checkpoint`), the recipe flags and (withFullInt8) --full-int8.
void addRecipeOptions(CLI::App* cmd, RecipeOptions& o, std::string& checkpoint, bool withFullInt8 = true);

}  // namespace cpq::cli
