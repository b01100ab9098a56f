// `ptq` end to end on a small generated dataset and a briefly trained model, through the built CLI.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checkpoint/Checkpoint.h"
#include "core/AtomicFile.h"
#include "export/TensorRtCalibrationCache.h"
#include "ptq/CalibrationFile.h"
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
  // Per process: concurrent runs of the suite (developers, CI retries) must not share a folder.
  static fs::path root() { return testing::tempRoot() / ("cpq_ptq_cli_" + std::to_string(getpid())); }
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
    writeStringAtomically(
        config(), testing::smallRangeConfigYaml() + recipe("[pts_voxel_encoder, pts_backbone.blocks.0]"));
    auto r =
        runCli("synth --out " + quote(data()) + " --scenes 3 --frames-per-scene 3 --seed 11 --preset demo");
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
  const auto scales =
      parseTensorRtCalibrationCache(readFileToString((dir / "int8.trt_calib.cache").string()), "cache");
  EXPECT_FALSE(scales.empty());
  EXPECT_LE(scales.size(), report["layers"].size());
  const double shared = calib["amax"]["pts_bbox_head.shared_conv.conv._input_quantizer._amax"].get<double>();
  bool found = false;
  for (const auto& [tensor, scale] : scales) found = found || scale == static_cast<float>(shared / 127.0);
  EXPECT_TRUE(found);
}

TEST_F(PtqCli, EvaluatingTheInt8CheckpointReproducesTheReportedInt8Map) {
  const fs::path evalDir = root() / "eval_int8";
  const auto r =
      runCli("eval --config " + quote(config()) + " --checkpoint " + quote(out("main")) + " --data " +
             quote(data()) + " --split val --metric t4 --out-dir " + quote(evalDir.string()));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto metrics = readJson((evalDir / "metrics.json").string());
  const auto report = readJson((root() / "main" / "int8.report.json").string());
  EXPECT_EQ(metrics["t4"]["mAP"]["overall"].get<double>(),
            report["int8"]["t4"]["mAP"]["overall"].get<double>());
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
  EXPECT_NE(r.output.find("'pts_backbone.block.0' matches no quantizable layer"), std::string::npos)
      << r.output;
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

TEST_F(PtqCli, MethodFlagsReachTheRecipeAndTheirLimitsAreChecked) {
  // The default methods.frames (32) exceeds the 4 calibration frames: refused with the numbers, nothing
  // written.
  auto r =
      runCli(ptqArgs(out("methods_refused")) + " --float-layers pts_voxel_encoder --equalization activation");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("methods.frames is 32 but the calibration uses 4 frames"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out("methods_refused")));
  const std::string cfg = (root() / "methods.yaml").string();
  writeStringAtomically(cfg, testing::smallRangeConfigYaml() + recipe("[pts_voxel_encoder]") +
                                 "  methods: {frames: 4, cells_per_frame: 16}\n");
  r = runCli(ptqArgs(out("methods"), cfg) +
             " --equalization activation --bias-correction --max-eval-frames 2");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto report = readJson((root() / "methods" / "int8.report.json").string());
  EXPECT_EQ(report["settings"]["method"], "histogram+mse+equalization+bias_correction");
  EXPECT_EQ(report["float_layers"], nlohmann::json::array({"pts_voxel_encoder.pfn_layers.0.linear",
                                                           "pts_voxel_encoder.pfn_layers.1.linear"}));
  r = runCli(ptqArgs(out("methods_bad"), cfg) + " --equalization nagel");
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("--equalization must be one of none, activation, not 'nagel'"), std::string::npos)
      << r.output;
  r = runCli("sensitivity --config " + quote(cfg) + " --checkpoint " + quote(weights()) + " --data " +
             quote(data()) + " --proxy --bias-correction --output " +
             quote((root() / "sens_bc" / "s.csv").string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("sensitivity cannot run with quantization.methods.bias_correction"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(root() / "sens_bc"));
}

// The first data row's layer of a sensitivity CSV.
std::string topLayer(const std::string& csvPath) {
  std::istringstream in(readFileToString(csvPath));
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  return row.substr(0, row.find(','));
}

// The bundled demo model on the suite's demo-preset scenes: a model that detects, so that mAP deltas mean
// something (the suite's 2-epoch model finds almost nothing).
std::string demoModelArgs() {
  return " --config " + quote(std::string(CPQ_SOURCE_DIR) + "/configs/demo.yaml") + " --checkpoint " +
         quote(std::string(CPQ_SOURCE_DIR) + "/models/demo/centerpoint_demo.safetensors");
}

TEST_F(PtqCli, SabotagedLayerIsRankedMostSensitiveByTheFullAndTheProxyProfile) {
  const fs::path dir = root() / "sab";
  auto r =
      runCli("ptq" + demoModelArgs() + " --data " + quote(data()) + " --calibrate-batches 3 --sqnr-frames 1" +
             " --max-eval-frames 1 --full-int8 --output " + quote((dir / "int8.safetensors").string()));
  ASSERT_EQ(r.code, 0) << r.output;
  auto calib = readJson((dir / "int8.calib.json").string());
  const std::string victim = "pts_bbox_head.shared_conv.conv";
  const std::string key = victim + "._input_quantizer._amax";
  calib["amax"][key] = calib["amax"][key].get<double>() * 0.001;  // clips almost everything
  const std::string sabotaged = (dir / "sabotaged.calib.json").string();
  writeStringAtomically(sabotaged, calib.dump(2));
  const std::string common = "sensitivity" + demoModelArgs() + " --data " + quote(data()) + " --calib " +
                             quote(sabotaged) + " --eval-frames 2 --proxy-frames 1";
  const std::string full = (dir / "full.csv").string(), proxy = (dir / "proxy.csv").string();
  r = runCli(common + " --output " + quote(full));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(topLayer(full), victim) << readFileToString(full);
  EXPECT_TRUE(fs::exists(dir / "full.png"));
  EXPECT_TRUE(fs::exists(dir / "full.md"));
  r = runCli(common + " --proxy --output " + quote(proxy));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(topLayer(proxy), victim) << readFileToString(proxy);
  // With a budget, the selection keeps at least the victim float and writes the YAML block.
  r = runCli(common + " --proxy --budget 0.02 --output " + quote((dir / "budget.csv").string()));
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string yaml = readFileToString((dir / "budget.sensitive_layers.yaml").string());
  EXPECT_NE(yaml.find("quantization:\n  sensitive_layers:\n    - " + victim + "\n"), std::string::npos)
      << yaml;
}

TEST_F(PtqCli, NegativeBudgetIsRefusedAndWritesNothing) {
  const auto r =
      runCli("sensitivity --config " + quote(config()) + " --checkpoint " + quote(weights()) + " --data " +
             quote(data()) + " --proxy --budget -0.1 --output " + quote((root() / "neg" / "s.csv").string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("budget"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root() / "neg"));
}

onnx::ModelProto readOnnx(const fs::path& p) {
  onnx::ModelProto m;
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(m.ParseFromIstream(&in)) << p;
  return m;
}

TEST_F(PtqCli, QatFineTunesWithFrozenAmaxExportsAndRoundTrips) {
  const fs::path dir = root() / "qat";
  const std::string output = (dir / "qat.safetensors").string();
  auto r =
      runCli("qat --config " + quote(config()) + " --checkpoint " + quote(weights()) + " --data " +
             quote(data()) + " --calibrate-batches 4 --epochs 7 --batch-size 2 --lr 0.0001 --no-augment" +
             " --seed 3 --output " + quote(output) + " --onnx-dir " + quote((dir / "onnx").string()));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto state = readJson((dir / "qat_work" / "latest.json").string());
  ASSERT_EQ(state["settings"]["mode"], "qat");
  const auto& history = state["history"];
  ASSERT_EQ(history.size(), 7u);
  EXPECT_GE(state["step"].get<int>(), 20);
  // The loss does not rise over the run.
  EXPECT_LE(history.back()["mean_loss"].get<double>(), history.front()["mean_loss"].get<double>())
      << history.dump();
  // Every amax is still the calibration's (frozen), and the sensitive layers stayed float.
  const auto calib = readJson((dir / "qat_work" / "calibration.json").string());
  const StateDict sd = loadCheckpoint(output);
  size_t amaxKeys = 0;
  for (const auto& [name, t] : sd.items()) {
    if (name.find("._amax") == std::string::npos) continue;
    ++amaxKeys;
    EXPECT_EQ(name.rfind("pts_voxel_encoder", 0), std::string::npos) << name;
    EXPECT_EQ(name.rfind("pts_backbone.blocks.0.", 0), std::string::npos) << name;
    const auto& v = calib["amax"][name];
    if (v.is_number()) {
      EXPECT_EQ(t.item<float>(), v.get<float>()) << name;
    } else {
      EXPECT_EQ(t.numel(), static_cast<int64_t>(v.size())) << name;
    }
  }
  EXPECT_EQ(amaxKeys, calib["amax"].size());
  // The ONNX: one QuantizeLinear per quantized layer's input, none in front of block 0.
  const onnx::ModelProto g = readOnnx(dir / "onnx" / "pts_backbone_neck_head_centerpoint.onnx");
  size_t quantize = 0;
  for (const auto& node : g.graph().node()) {
    if (node.op_type() == "QuantizeLinear") ++quantize;
    if (node.op_type() != "Conv" || node.name().rfind("pts_backbone.blocks.0.", 0) != 0) continue;
    for (const auto& in : node.input()) {
      EXPECT_EQ(in.find("DequantizeLinear"), std::string::npos) << node.name();
    }
  }
  EXPECT_EQ(quantize, amaxKeys / 2);
  // The checkpoint evaluates to the last validation mAP (same frames).
  const fs::path evalDir = dir / "eval";
  r = runCli("eval --config " + quote(config()) + " --checkpoint " + quote(output) + " --data " +
             quote(data()) + " --split val --metric t4 --out-dir " + quote(evalDir.string()));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(readJson((evalDir / "metrics.json").string())["t4"]["mAP"]["overall"].get<double>(),
            history.back()["val_map_overall"].get<double>());
}

// `export --data` calibrates with the config's recipe and writes Q/DQ; the removed `enabled` / `mode` keys
// are refused with a message saying what replaced them (instead of being silently ignored).
TEST_F(PtqCli, ExportWithDataCalibratesAndWritesQdq) {
  const std::string removed = (root() / "enabled.yaml").string();
  writeStringAtomically(removed, testing::smallRangeConfigYaml() + "\nquantization:\n  enabled: true\n");
  const fs::path dir = root() / "export_calibrated";
  auto r = runCli("export --config " + quote(removed) + " --checkpoint " + quote(weights()) + " --out-dir " +
                  quote(dir.string()) + " --data " + quote(data()));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("quantization.enabled: was removed"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir));

  const std::string cfg = (root() / "calibrated.yaml").string();
  writeStringAtomically(cfg, testing::smallRangeConfigYaml() +
                                 "\nquantization:\n  calibration: {num_batches: 2}\n"
                                 "  sensitive_layers: [pts_voxel_encoder]\n");
  r = runCli("export --config " + quote(cfg) + " --checkpoint " + quote(weights()) + " --out-dir " +
             quote(dir.string()));
  ASSERT_EQ(r.code, 0) << r.output;  // without --data: the float export
  size_t quantize = 0;
  const onnx::ModelProto fp32 = readOnnx(dir / "pts_backbone_neck_head_centerpoint.onnx");
  for (const auto& node : fp32.graph().node()) quantize += node.op_type() == "QuantizeLinear";
  EXPECT_EQ(quantize, 0u);
  r = runCli("export --config " + quote(cfg) + " --checkpoint " + quote(weights()) + " --out-dir " +
             quote(dir.string()) + " --data " + quote(data()) + " --overwrite");
  ASSERT_EQ(r.code, 0) << r.output;
  const onnx::ModelProto g = readOnnx(dir / "pts_backbone_neck_head_centerpoint.onnx");
  for (const auto& node : g.graph().node()) quantize += node.op_type() == "QuantizeLinear";
  EXPECT_GT(quantize, 0u);
}

// --start-epoch 1: epoch 1 trains the fused float model (no amax in its checkpoint), calibration happens at
// the start of epoch 2 (every amax in its checkpoint). Resuming the finished run rebuilds the same model.
TEST_F(PtqCli, QatStartEpochTrainsFloatFirstThenCalibrates) {
  const fs::path dir = root() / "qat_k1";
  const std::string output = (dir / "qat.safetensors").string();
  const std::string head =
      "qat --config " + quote(config()) + " --checkpoint " + quote(weights()) + " --data " + quote(data()) +
      " --calibrate-batches 2 --batch-size 2 --lr 0.0001 --seed 3" + " --max-val-frames 2";
  const std::string args = head + " --epochs 2 --start-epoch 1 --output " + quote(output);
  auto r = runCli(args);
  ASSERT_EQ(r.code, 0) << r.output;
  const fs::path work = dir / "qat_work";
  const auto state = readJson((work / "latest.json").string());
  EXPECT_EQ(state["settings"]["calibrate_at_epoch"], 1);
  ASSERT_EQ(state["history"].size(), 2u);
  const auto amaxCount = [](const std::string& path) {
    const StateDict sd = loadCheckpoint(path);
    size_t n = 0;
    for (const auto& item : sd.items()) n += item.first.find("._amax") != std::string::npos;
    return n;
  };
  EXPECT_EQ(amaxCount((work / "epoch_1.safetensors").string()), 0u);
  const size_t quantized = amaxCount((work / "epoch_2.safetensors").string());
  EXPECT_GT(quantized, 0u);
  EXPECT_EQ(readJson((work / "calibration.json").string())["amax"].size(), quantized);
  EXPECT_EQ(amaxCount(output), quantized);

  const std::string first = readFileToString(output);
  r = runCli(args + " --resume --overwrite");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(readFileToString(output), first);

  r = runCli(head + " --epochs 2 --start-epoch 1 --calib " + quote((work / "calibration.json").string()) +
             " --output " + quote((dir / "other.safetensors").string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("exclude each other"), std::string::npos) << r.output;
  r = runCli(head + " --epochs 2 --start-epoch 2 --output " + quote((dir / "k2.safetensors").string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("at least one epoch must train quantized"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "k2.safetensors"));
}

// --learn-amax with --start-epoch 1: the amax parameters appear at the calibration of epoch 2, join the
// optimizer there and move away from the calibration's values.
TEST_F(PtqCli, QatLearnableAmaxRegisteredAtALaterEpochIsTrained) {
  const fs::path dir = root() / "qat_k1_learn";
  const std::string output = (dir / "qat.safetensors").string();
  const auto r =
      runCli("qat --config " + quote(config()) + " --checkpoint " + quote(weights()) + " --data " +
             quote(data()) + " --calibrate-batches 2 --batch-size 2 --lr 0.001 --seed 3" +
             " --max-val-frames 2 --epochs 2 --start-epoch 1 --learn-amax --output " + quote(output));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("join the optimizer"), std::string::npos) << r.output;
  const auto calib = readJson((dir / "qat_work" / "calibration.json").string());
  const StateDict sd = loadCheckpoint(output);
  size_t moved = 0, inputs = 0;
  for (const auto& [name, t] : sd.items()) {
    if (name.find("._input_quantizer._amax") == std::string::npos) continue;
    ++inputs;
    moved += t.item<float>() != calib["amax"][name].get<float>();
  }
  EXPECT_GT(inputs, 0u);
  EXPECT_GT(moved, inputs / 2) << moved << " of " << inputs << " input amax moved";
}

// --distill: the float checkpoint is the teacher; the run records it and learns from the quantization error.
TEST_F(PtqCli, QatDistillsFromTheFloatModel) {
  const fs::path dir = root() / "qat_distill";
  const auto r =
      runCli("qat --config " + quote(config()) + " --checkpoint " + quote(weights()) + " --data " +
             quote(data()) + " --calibrate-batches 2 --batch-size 2 --epochs 1 --distill --seed 3" +
             " --max-val-frames 2 --output " + quote((dir / "qat.safetensors").string()));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto state = readJson((dir / "qat_work" / "latest.json").string());
  EXPECT_EQ(state["settings"]["distill"], true);
  const double loss = state["history"][0]["mean_loss"].get<double>();
  EXPECT_GT(loss, 0.0);
  EXPECT_LT(loss, 10.0);
}

// ptq, qat and sensitivity share the calibration options and their checks.
TEST_F(PtqCli, UnknownCalibrationMethodIsRefusedByEveryCommand) {
  const std::string common = " --config " + quote(config()) + " --checkpoint " + quote(weights()) +
                             " --data " + quote(data()) + " --method histo";
  const fs::path dir = root() / "bad_method";
  for (const auto& [command, output] : std::vector<std::pair<std::string, std::string>>{
           {"ptq", "q.safetensors"}, {"qat", "q.safetensors"}, {"sensitivity", "s.csv"}}) {
    const auto r = runCli(command + common + " --output " + quote((dir / output).string()));
    EXPECT_NE(r.code, 0) << command;
    EXPECT_NE(r.output.find(command + " --method must be max, percentile, mse or entropy, not 'histo'"),
              std::string::npos)
        << r.output;
  }
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(PtqCli, QatResumeOfAnFp32RunIsRefused) {
  const auto r =
      runCli("qat --config " + quote(config()) + " --checkpoint " + quote(weights()) + " --data " +
             quote(data()) + " --epochs 1 --resume --work-dir " + quote((root() / "work").string()) +
             " --output " + quote((root() / "qat_bad" / "q.safetensors").string()));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("is not a QAT run"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root() / "qat_bad" / "q.safetensors"));
}

}  // namespace
}  // namespace cpq
