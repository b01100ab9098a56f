#include "cli/RecipeOptions.h"

#include "core/Error.h"

namespace cpq::cli {

void addRecipeOptions(CLI::App* cmd, RecipeOptions& o, bool withFullInt8) {
  cmd->add_option("--calibrate-batches", o.calibrateBatches,
                  "Calibration batches (default: quantization.calibration.num_batches)");
  cmd->add_option("--method", o.method, "max, percentile, mse or entropy (default: the config's)");
  cmd->add_option("--skip-zeros", o.skipZeros, "Histogram skip_zeros (true/false; default: the config's)");
  if (withFullInt8)
    cmd->add_flag("--full-int8", o.fullInt8, "Quantize every layer (ignore quantization.sensitive_layers)");
}

QuantizationConfig applyRecipeOptions(QuantizationConfig q, const RecipeOptions& o,
                                      const std::string& command) {
  if (!o.method.empty()) {
    if (o.method == "max") {
      q.method = "max";
    } else if (o.method == "percentile" || o.method == "mse" || o.method == "entropy") {
      q.method = "histogram";
      q.amaxMethod = o.method;
    } else {
      throw Error(command + " --method must be max, percentile, mse or entropy, not '" + o.method + "'");
    }
  }
  if (o.calibrateBatches < 0) throw Error(command + " --calibrate-batches must not be negative");
  if (o.calibrateBatches > 0) q.numBatches = static_cast<int>(o.calibrateBatches);
  if (o.skipZeros) q.skipZeros = *o.skipZeros;
  if (o.fullInt8) q.sensitiveLayers.clear();
  return q;
}

}  // namespace cpq::cli
