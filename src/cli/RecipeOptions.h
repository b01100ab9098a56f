#pragma once
// The calibration options that ptq, qat and sensitivity share, and how they override the config's
// quantization section (one place, so the three commands accept and check them alike).
#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "config/CenterPointConfig.h"

namespace cpq::cli {

struct RecipeOptions {
  int64_t calibrateBatches = 0;   // 0: quantization.calibration.num_batches
  std::string method;             // max | percentile | mse | entropy; empty: the config's
  std::optional<bool> skipZeros;  // histogram skip_zeros; unset: the config's
  bool fullInt8 = false;          // ignore quantization.sensitive_layers
};

// --calibrate-batches, --method, --skip-zeros and (withFullInt8) --full-int8.
void addRecipeOptions(CLI::App* cmd, RecipeOptions& o, bool withFullInt8 = true);

// q with the options applied; cpq::Error naming the command for an unknown method or a negative count.
QuantizationConfig applyRecipeOptions(QuantizationConfig q, const RecipeOptions& o,
                                      const std::string& command);

}  // namespace cpq::cli
