#pragma once
// What a TensorQuantizer does, as pytorch-quantization's QuantDescriptor: bits, per-tensor or per-axis amax,
// signedness, range, and how its amax is calibrated.
#include <cstdint>
#include <optional>
#include <string>

namespace cpq {

enum class CalibrationMethod { Max, Histogram };
// How a histogram turns into amax (a Max calibrator always gives its running max).
enum class AmaxMethod { Max, Percentile, Mse, Entropy };

std::string toString(CalibrationMethod m);
std::string toString(AmaxMethod m);
// The words of logs and reports; ptq/QuantRecipe parses the config's and the command line's words.

struct QuantDescriptor {
  int numBits = 8;
  std::optional<int64_t> axis;  // empty: per-tensor; else the axis that KEEPS its own amax (per channel)
  bool isUnsigned = false;
  bool narrowRange = false;  // true: [-127, 127] (TensorRT weights); false: [-128, 127] (activations)
  bool learnAmax = false;    // PACT-style learnable per-tensor amax (QAT option)
  CalibrationMethod calibMethod = CalibrationMethod::Max;
  int64_t numBins = 2048;  // histogram only
  bool skipZeros = false;  // histogram only

  // Activations: per-tensor, [-128, 127], calibrated by `method`.
  static QuantDescriptor activation(CalibrationMethod method, int64_t numBins = 2048, bool skipZeros = false);
  // Weights: max-calibrated, [-127, 127], per channel along `axis` (or per-tensor when empty).
  static QuantDescriptor weight(std::optional<int64_t> axis);
};

// How a calibrator's statistics become amax (pytorch-quantization's compute_amax arguments).
struct AmaxOptions {
  AmaxMethod method = AmaxMethod::Mse;
  double percentile = 99.99;
  int64_t startBin = 128;  // mse / entropy search start
  int64_t stride = 1;
};

}  // namespace cpq
