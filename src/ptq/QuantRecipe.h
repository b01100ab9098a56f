#pragma once
// The quantization recipe as one typed value: built once from the config's `quantization:` section plus
// the command line's overrides, with every enum parsed here (the config keeps the YAML's words), checked
// with messages that name the config key or the flag at fault. Everything downstream (quantizer
// insertion, fusion, amax computation, ONNX I/O types, logs and reports) asks the recipe.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/CenterPointConfig.h"
#include "export/OnnxExportOptions.h"
#include "model/LayerFusion.h"
#include "quant/QuantDescriptor.h"
#include "quant/QuantInsertion.h"

namespace cpq {

// quantization.precision.weights: int8, or fp16 (= quantization off, which ptq / qat refuse).
enum class WeightPrecision { Int8, Fp16 };
// quantization.methods.equalization: none, or activation-aware channel equalization
// (ptq/ChannelEqualization).
enum class Equalization { None, Activation };
// quantization.methods.range_search: none (the calibrator's amax), or the output-error search
// (ptq/OutputRangeSearch).
enum class RangeSearch { None, Output };

// What a command line may change (ptq, qat, sensitivity share them; unset = the config's value).
struct RecipeOverrides {
  std::optional<int64_t> calibrationBatches;            // --calibrate-batches
  std::optional<std::string> method;                    // --method: max | percentile | mse | entropy
  std::optional<bool> skipZeros;                        // --skip-zeros
  bool fullInt8 = false;                                // --full-int8: no float layers
  bool learnAmax = false;                               // --learn-amax (qat): turns learnable amax on
  std::optional<std::vector<std::string>> floatLayers;  // --float-layers: replaces sensitive_layers
  std::optional<std::string> equalization;              // --equalization: none | activation
  std::optional<std::string> rangeSearch;               // --range-search: none | output
  std::optional<bool> biasCorrection;                   // --bias-correction
};

struct QuantRecipe {
  std::string source;  // the config file, for messages
  CalibrationMethod calibration = CalibrationMethod::Histogram;
  AmaxMethod amax = AmaxMethod::Mse;  // Max whenever calibration is Max
  double percentile = 99.99;
  int64_t numBins = 2048;
  bool skipZeros = false;
  int64_t calibrationBatches = 128;
  bool fuseBn = true;
  bool fuseRelu = true;                  // effective only with fuseBn
  std::vector<std::string> floatLayers;  // module paths kept float (quantization.sensitive_layers)
  IoPrecision inputPrecision = IoPrecision::Fp32;
  IoPrecision outputPrecision = IoPrecision::Fp32;
  WeightPrecision weightPrecision = WeightPrecision::Int8;
  bool convTransposePerChannel = false;
  bool learnAmax = false;
  // The output-error methods (docs/calibration.md, "Beyond pytorch-quantization"): they sample the first
  // methodFrames calibration frames, methodCellsPerFrame cells per frame and layer.
  Equalization equalization = Equalization::None;
  RangeSearch rangeSearch = RangeSearch::None;
  bool biasCorrection = false;
  int64_t methodFrames = 32;
  int64_t methodCellsPerFrame = 256;
  double methodEmptyShare = 0.9;  // share of the sampled cells drawn from empty cells (ptq/LayerSamples)

  // Whether any output-error method runs (they share one set of samples).
  bool usesLayerSamples() const {
    return equalization != Equalization::None || rangeSearch != RangeSearch::None || biasCorrection;
  }
  // The config's section, parsed and checked; cpq::Error naming the file and every bad key.
  static QuantRecipe fromConfig(const CenterPointConfig& cfg);
  // This recipe with a command's overrides; cpq::Error naming `command` and the flag.
  QuantRecipe with(const RecipeOverrides& overrides, const std::string& command) const;
  // cpq::Error naming the key when the weights are not INT8 (ptq and qat quantize).
  void requireInt8Weights(const std::string& command) const;

  // How input amax are found: "max", "histogram+mse", "histogram+percentile(99.99)", "...,skip_zeros", then
  // the methods: "+equalization", "+range_search", "+bias_correction".
  std::string describe() const;
  // Empty, or the message naming the methods that need fuse_bn when it is off.
  std::string methodConflicts() const;
  // Where quantizers go and what they are; how the model is fused; how statistics become amax.
  QuantizerPlan quantizerPlan() const;
  FusionOptions fusion() const;
  AmaxOptions amaxOptions() const;
  // `options` with the graph input / output types of this recipe (what an INT8 export writes).
  OnnxExportOptions exportOptions(OnnxExportOptions options = {}) const;
};

}  // namespace cpq
