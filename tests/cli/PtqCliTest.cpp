// `ptq` end to end on a small generated dataset and a briefly trained model, through the built CLI.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "checkpoint/Checkpoint.h"
#include "core/AtomicFile.h"
#include "quant/CalibrationFile.h"
#include "support/RunCli.h"
#include "support/TempRoot.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {
namespace fs = std::filesystem;
using testing::quote;
using testing::runCli;

class PtqCli : public ::testing::Test {
 protected:
  static fs::path root() { return testing::tempRoot() / "cpq_ptq_cli"; }
  static std::string data() { return (root() / "data").string(); }
  static std::string config() { return (root() / "small.yaml").string(); }
  static std::string weights() { return (root() / "work" / "epoch_2.safetensors").string(); }
  static std::string out(const std::string& name) { return (root() / name / "int8.safetensors").string(); }

  static std::string ptqArgs(const std::string& output, const std::string& cfg = config(), int batches = 4) {
    return "ptq --config " + quote(cfg) + " --checkpoint " + quote(weights()) + " --data " + quote(data()) +
           " --split train --eval-split val --calibrate-batches " + std::to_string(batches) +
           " --sqnr-frames 2 --output " + quote(output);
  }

  static std::string recipe(const std::string& sensitive) {
    return "\nquantization:\n  calibration: {method: histogram, amax_method: mse}\n  sensitive_layers: " +
           sensitive + "\n";
  }

  static void SetUpTestSuite() {
    fs::remove_all(root());
    fs::create_directories(root());
    writeStringAtomically(config(),
                          testing::smallRangeConfigYaml() + recipe("[pts_voxel_encoder, pts_backbone.blocks.0]"));
    auto r = runCli("synth --out " + quote(data()) + " --scenes 3 --frames-per-scene 3 --seed 11 --preset demo");
    ASSERT_EQ(r.code, 0) << r.output;
    r = runCli("train --config " + quote(config()) + " --data " + quote(data()) + " --work-dir " +
               quote((root() / "work").string()) + " --seed 5 --workers 2 --val-split none");
    ASSERT_EQ(r.code, 0) << r.output;
    r = runCli(ptqArgs(out("main")));
    ASSERT_EQ(r.code, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(root()); }
};

nlohmann::json readJson(const std::string& p) { return nlohmann::json::parse(readFileToString(p)); }

TEST_F(PtqCli, WritesCheckpointCalibrationCacheAndReport) {
  const fs::path dir = root() / "main";
  for (const char* f : {"int8.safetensors", "int8.pth", "int8.calib.json", "int8.trt_calib.cache",
                        "int8.report.json", "int8.report.md"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  const auto report = readJson((dir / "int8.report.json").string());
  for (const char* k : {"fp32", "int8"}) {
    ASSERT_TRUE(report[k].contains("t4")) << report.dump();
    const double m = report[k]["t4"]["mAP"]["overall"].get<double>();
    EXPECT_GE(m, 0.0);
    EXPECT_LE(m, 1.0);
  }
  // Skipped: the 2 PFN linears and the 2 convs of block 0.
  EXPECT_EQ(report["float_layers"].size(), 4u);
  const auto calib = readJson((dir / "int8.calib.json").string());
  EXPECT_EQ(calib["amax"].size(), 2 * report["layers"].size());
  for (const auto& l : report["layers"]) {
    EXPECT_EQ(l["method"], "histogram+mse");
    EXPECT_TRUE(l["sqnr_db"].is_number()) << l.dump();
  }
  // The TensorRT cache holds amax/127 of each quantized layer's input tensor.
  const auto scales = parseTensorRtCalibrationCache(readFileToString((dir / "int8.trt_calib.cache").string()),
                                                    "cache");
  EXPECT_FALSE(scales.empty());
  EXPECT_LE(scales.size(), report["layers"].size());
  const double shared = calib["amax"]["pts_bbox_head.shared_conv.conv._input_quantizer._amax"].get<double>();
  bool found = false;
  for (const auto& [tensor, scale] : scales) found = found || scale == static_cast<float>(shared / 127.0);
  EXPECT_TRUE(found);
}

TEST_F(PtqCli, EvaluatingTheInt8CheckpointReproducesTheReportedInt8Map) {
  const fs::path evalDir = root() / "eval_int8";
  const auto r = runCli("eval --config " + quote(config()) + " --checkpoint " + quote(out("main")) + " --data " +
                        quote(data()) + " --split val --metric t4 --out-dir " + quote(evalDir.string()));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto metrics = readJson((evalDir / "metrics.json").string());
  const auto report = readJson((root() / "main" / "int8.report.json").string());
  EXPECT_EQ(metrics["t4"]["mAP"]["overall"].get<double>(), report["int8"]["t4"]["mAP"]["overall"].get<double>());
}

TEST_F(PtqCli, ExistingOutputsAreNotOverwritten) {
  const std::string before = readFileToString((root() / "main" / "int8.report.json").string());
  const auto r = runCli(ptqArgs(out("main")));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("int8.safetensors"), std::string::npos) << r.output;
  EXPECT_EQ(readFileToString((root() / "main" / "int8.report.json").string()), before);
}

TEST_F(PtqCli, StrictRefusesTooFewCalibrationFrames) {
  const auto r = runCli(ptqArgs(out("strict"), config(), 1000) + " --strict");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("--strict"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out("strict")));
}

TEST_F(PtqCli, UnknownSensitiveLayerIsAnErrorListingTheLayers) {
  const std::string bad = (root() / "bad.yaml").string();
  writeStringAtomically(bad, testing::smallRangeConfigYaml() + recipe("[pts_backbone.block.0]"));
  const auto r = runCli(ptqArgs(out("bad"), bad));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("'pts_backbone.block.0' matches no quantizable layer"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pts_bbox_head.shared_conv.conv"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out("bad")));
}

TEST_F(PtqCli, FullInt8AndMaxCalibration) {
  const auto r = runCli(ptqArgs(out("max")) + " --method max --full-int8");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto report = readJson((root() / "max" / "int8.report.json").string());
  EXPECT_TRUE(report["float_layers"].empty());
  for (const auto& l : report["layers"]) {
    EXPECT_EQ(l["method"], "max");
    EXPECT_FLOAT_EQ(l["input_amax"].get<float>(), l["input_max_abs"].get<float>());
  }
}

}  // namespace
}  // namespace cpq
