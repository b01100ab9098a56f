// The typed recipe: the config's words parsed in one place (messages naming the file and every bad key),
// the command-line overrides (messages naming the command and the flag), and what the recipe tells
// insertion, fusion, amax computation and the ONNX export, against hand-written expectations.
#include <gtest/gtest.h>

#include "config/CenterPointConfig.h"
#include "core/Error.h"
#include "ptq/QuantRecipe.h"
#include "support/ErrorMessage.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

CenterPointConfig withQuantization(const std::string& section) {
  return parseConfig(testing::smallRangeConfigYaml() + "\nquantization:\n" + section, "q.yaml");
}

TEST(QuantRecipe, DefaultsAreTheReleaseRecipeWords) {
  const QuantRecipe r = QuantRecipe::fromConfig(withQuantization("  fusion: {fuse_bn: true}\n"));
  EXPECT_EQ(r.calibration, CalibrationMethod::Histogram);
  EXPECT_EQ(r.amax, AmaxMethod::Mse);
  EXPECT_EQ(r.calibrationBatches, 128);
  EXPECT_EQ(r.describe(), "histogram+mse");
  EXPECT_EQ(r.inputPrecision, IoPrecision::Fp32);
  EXPECT_EQ(r.weightPrecision, WeightPrecision::Int8);
  EXPECT_EQ(r.source, "q.yaml");
  EXPECT_NO_THROW(r.requireInt8Weights("ptq"));
}

TEST(QuantRecipe, EveryWordIsParsedAndDescribed) {
  QuantRecipe r = QuantRecipe::fromConfig(withQuantization(
      "  calibration: {num_batches: 7, method: histogram, amax_method: percentile, percentile: 99.9, "
      "skip_zeros: true, num_bins: 512}\n  precision: {input: fp16, output: fp16, weights: fp16}\n"));
  EXPECT_EQ(r.amax, AmaxMethod::Percentile);
  EXPECT_EQ(r.calibrationBatches, 7);
  EXPECT_EQ(r.describe(), "histogram+percentile(99.9),skip_zeros");
  const QuantizerPlan plan = r.quantizerPlan();
  EXPECT_EQ(plan.input.numBins, 512);
  EXPECT_TRUE(plan.input.skipZeros);
  const OnnxExportOptions o = r.exportOptions();
  EXPECT_EQ(o.inputPrecision, IoPrecision::Fp16);
  EXPECT_EQ(o.outputPrecision, IoPrecision::Fp16);
  const std::string e = testing::errorMessageOf([&] { r.requireInt8Weights("qat"); });
  EXPECT_NE(e.find("q.yaml: quantization.precision.weights is fp16"), std::string::npos) << e;
  EXPECT_NE(e.find("qat needs int8"), std::string::npos) << e;
  // Max calibration takes the running max whatever amax_method says.
  r = QuantRecipe::fromConfig(withQuantization("  calibration: {method: max, amax_method: entropy}\n"));
  EXPECT_EQ(r.amax, AmaxMethod::Max);
  EXPECT_EQ(r.describe(), "max");
  EXPECT_EQ(r.amaxOptions().method, AmaxMethod::Max);
}

TEST(QuantRecipe, BadWordsAreAllNamedWithTheirKeys) {
  const CenterPointConfig cfg = withQuantization(
      "  calibration: {method: minmax, amax_method: kl, num_batches: 0, num_bins: 64}\n"
      "  precision: {input: int8, output: bf16, weights: int4}\n  sensitive_layers: [.pts_backbone]\n");
  const std::string e = testing::errorMessageOf([&] { QuantRecipe::fromConfig(cfg); });
  for (const char* part :
       {"q.yaml: invalid config:", "quantization.calibration.method: 'minmax' is not one of histogram, max",
        "quantization.calibration.amax_method: 'kl' is not one of mse, percentile, entropy",
        "quantization.precision.input: 'int8' is not one of fp32, fp16",
        "quantization.precision.output: 'bf16'",
        "quantization.precision.weights: 'int4' is not one of int8, fp16",
        "quantization.calibration.num_batches: must be positive", "quantization.calibration.num_bins",
        "quantization.sensitive_layers: '.pts_backbone' is not a module path"})
    EXPECT_NE(e.find(part), std::string::npos) << part << "\n" << e;
}

TEST(QuantRecipe, RemovedKeysAreRefusedByTheConfig) {
  for (const char* key : {"enabled: true", "mode: qat"}) {
    const std::string e = testing::errorMessageOf([&] { withQuantization(std::string("  ") + key + "\n"); });
    EXPECT_NE(e.find("was removed"), std::string::npos) << key << ": " << e;
  }
}

TEST(QuantRecipe, OverridesNameTheCommandAndTheFlag) {
  const QuantRecipe base = QuantRecipe::fromConfig(
      withQuantization("  calibration: {num_batches: 9}\n  sensitive_layers: [pts_voxel_encoder]\n"));
  RecipeOverrides o;
  o.method = "max";
  QuantRecipe r = base.with(o, "ptq");
  EXPECT_EQ(r.calibration, CalibrationMethod::Max);
  EXPECT_EQ(r.describe(), "max");
  o.method = "entropy";
  o.calibrationBatches = 0;  // 0 keeps the config's
  o.skipZeros = true;
  r = base.with(o, "ptq");
  EXPECT_EQ(r.describe(), "histogram+entropy,skip_zeros");
  EXPECT_EQ(r.calibrationBatches, 9);
  o.calibrationBatches = 3;
  o.fullInt8 = true;
  o.learnAmax = true;
  r = base.with(o, "qat");
  EXPECT_EQ(r.calibrationBatches, 3);
  EXPECT_TRUE(r.floatLayers.empty());
  EXPECT_TRUE(r.learnAmax);
  EXPECT_TRUE(r.quantizerPlan().input.learnAmax);
  EXPECT_EQ(base.floatLayers.size(), 1u);  // the base is unchanged
  o = RecipeOverrides{};
  o.method = "kl";
  EXPECT_EQ(testing::errorMessageOf([&] { base.with(o, "sensitivity"); }),
            "sensitivity --method must be max, percentile, mse or entropy, not 'kl'");
  o = RecipeOverrides{};
  o.calibrationBatches = -1;
  EXPECT_EQ(testing::errorMessageOf([&] { base.with(o, "qat"); }),
            "qat --calibrate-batches must not be negative");
}

TEST(QuantRecipe, FusionFollowsTheFloatLayers) {
  QuantRecipe r;
  r.floatLayers = {"pts_voxel_encoder"};
  FusionOptions f = r.fusion();
  EXPECT_TRUE(f.fuseBn);
  EXPECT_TRUE(f.fuseRelu);
  EXPECT_FALSE(f.foldVoxelEncoderBn);  // the PFN stays float, BN and all
  r.floatLayers = {"pts_backbone.blocks.0"};
  EXPECT_TRUE(r.fusion().foldVoxelEncoderBn);
  EXPECT_EQ(r.quantizerPlan().skipPrefixes, r.floatLayers);
  r.fuseBn = false;  // a ReLU cannot move in front of an unfolded BN
  f = r.fusion();
  EXPECT_FALSE(f.fuseRelu);
  EXPECT_FALSE(f.foldVoxelEncoderBn);
  r.convTransposePerChannel = true;
  EXPECT_EQ(r.quantizerPlan().convTransposeWeightAxis, std::optional<int64_t>(1));
}

TEST(QuantRecipe, OutputErrorMethodsAreParsedDescribedAndOverridden) {
  const QuantRecipe off = QuantRecipe::fromConfig(withQuantization("  fusion: {fuse_bn: true}\n"));
  EXPECT_FALSE(off.usesLayerSamples());
  EXPECT_EQ(off.methodEmptyShare, 0.9);
  QuantRecipe r = QuantRecipe::fromConfig(withQuantization(
      "  methods: {equalization: activation, range_search: output, bias_correction: true, frames: 8, "
      "cells_per_frame: 64, empty_share: 0.5}\n"));
  EXPECT_TRUE(r.usesLayerSamples());
  EXPECT_EQ(r.describe(), "histogram+mse+equalization+range_search+bias_correction");
  EXPECT_EQ(r.methodFrames, 8);
  EXPECT_EQ(r.methodCellsPerFrame, 64);
  EXPECT_EQ(r.methodEmptyShare, 0.5);
  RecipeOverrides o;
  o.equalization = "none";
  o.rangeSearch = "none";
  o.biasCorrection = false;
  o.floatLayers = std::vector<std::string>{"pts_voxel_encoder"};
  const QuantRecipe back = r.with(o, "ptq");
  EXPECT_FALSE(back.usesLayerSamples());
  EXPECT_EQ(back.floatLayers, std::vector<std::string>{"pts_voxel_encoder"});
}

TEST(QuantRecipe, BadMethodWordsAndClashesAreNamed) {
  const std::string msg = testing::errorMessageOf([] {
    QuantRecipe::fromConfig(
        withQuantization("  methods: {equalization: nagel, range_search: grid, frames: 0, cells_per_frame: "
                         "-1, empty_share: 1.0}\n"));
  });
  for (const char* key : {"q.yaml", "methods.equalization: 'nagel'", "methods.range_search: 'grid'",
                          "methods.frames", "methods.cells_per_frame", "methods.empty_share"})
    EXPECT_NE(msg.find(key), std::string::npos) << key << " in " << msg;
  const QuantRecipe r = QuantRecipe::fromConfig(withQuantization("  fusion: {fuse_bn: false}\n"));
  RecipeOverrides eq;
  eq.equalization = "activation";
  const std::string clash = testing::errorMessageOf([&] { r.with(eq, "ptq"); });
  EXPECT_NE(clash.find("methods.equalization cannot go together with quantization.fusion.fuse_bn: false"),
            std::string::npos)
      << clash;
  RecipeOverrides both;
  both.fullInt8 = true;
  both.floatLayers = std::vector<std::string>{"pts_voxel_encoder"};
  EXPECT_NE(testing::errorMessageOf([&] { r.with(both, "ptq"); }).find("--full-int8 and --float-layers"),
            std::string::npos);
  RecipeOverrides bad;
  bad.rangeSearch = "grid";
  EXPECT_NE(
      testing::errorMessageOf([&] { r.with(bad, "ptq"); }).find("--range-search must be one of none, output"),
      std::string::npos);
}

}  // namespace
}  // namespace cpq
