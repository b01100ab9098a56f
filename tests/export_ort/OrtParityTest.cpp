// The ONNX export checked by an independent runtime: ONNX Runtime (onnxruntime-node, run through
// tools/run_onnx.js) executes both exported files on realistic inputs from `infer --dump` of a generated
// cloud, and every output must match the libtorch forward within 1e-4 relative L2, in the default and the
// Autoware layouts; scripts/verify_onnx.sh must pass on a matching checkpoint and fail on a mismatched one.
//
// Node.js and tools/node_modules are installed by scripts/setup.sh (which scripts/test.sh runs first): when
// they are missing these tests FAIL with a message saying so, they do not skip.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include "support/RunCli.h"
#include "support/TempRoot.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"
#include "config/CenterPointConfig.h"
#include "core/AtomicFile.h"
#include "core/Npy.h"
#include "model/CenterPoint.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

using testing::quote;
using testing::runCli;
using testing::RunResult;
using testing::runShell;

namespace fs = std::filesystem;

constexpr double kTolerance = 1e-4;
const std::vector<std::string> kHeadOutputs = {"heatmap", "reg", "height", "dim", "rot", "vel"};

const std::string kToolsDir = std::string(CPQ_SOURCE_DIR) + "/tools";

// Empty when node and onnxruntime-node are usable, else why not.
std::string ortToolsProblem() {
  if (runShell("command -v node").code != 0) {
    return "node is not on PATH: run scripts/setup.sh (it installs Node.js and tools/node_modules)";
  }
  if (!fs::exists(kToolsDir + "/node_modules/onnxruntime-node/package.json")) {
    return kToolsDir +
           "/node_modules/onnxruntime-node is missing: run scripts/setup.sh (npm ci --ignore-scripts in "
           "tools/)";
  }
  return {};
}

// ||a - b|| / ||b|| in double precision.
double relativeL2(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor a = actual.to(at::kDouble);
  const at::Tensor b = expected.to(at::kDouble);
  const double ref = b.norm().item<double>();
  const double diff = (a - b).norm().item<double>();
  return ref > 0 ? diff / ref : diff;
}

// The dump's tensor for one head output; several tasks are concatenated on channels, as the ONNX graph does.
at::Tensor dumpHeadOutput(const fs::path& dump, const std::string& name) {
  if (fs::exists(dump / (name + ".npy"))) return readNpy((dump / (name + ".npy")).string());
  std::vector<at::Tensor> parts;
  for (int t = 0; fs::exists(dump / (name + "_task" + std::to_string(t) + ".npy")); ++t) {
    parts.push_back(readNpy((dump / (name + "_task" + std::to_string(t) + ".npy")).string()));
  }
  if (parts.empty()) throw std::runtime_error("no " + name + " tensor in " + dump.string());
  return at::cat(parts, 1);
}

// The Autoware layout computed here, independently of the exporter and of tools/compare_npy.js:
// each task's dim (l, w, h) -> (w, l, h); each task's rot (sin, cos) -> (-cos, -sin).
at::Tensor toAutoware(const std::string& name, const at::Tensor& t) {
  if (name != "dim" && name != "rot") return t;
  const int64_t group = name == "dim" ? 3 : 2;
  const at::Tensor order = name == "dim" ? at::tensor({1, 0, 2}, at::kLong) : at::tensor({1, 0}, at::kLong);
  const auto s = t.sizes();
  at::Tensor g = t.reshape({s[0], s[1] / group, group, s[2], s[3]}).index_select(2, order);
  if (name == "rot") g = -g;
  return g.reshape(s);
}

class OrtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = cpq::testing::tempRoot() / ("cpq_export_ort_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const std::string problem = ortToolsProblem();
    ASSERT_TRUE(problem.empty()) << problem;
    tinyConfig_ = path("tiny.yaml");
    writeStringAtomically(tinyConfig_, testing::tinyConfigYaml());
    cloud_ = path("cloud.pcd.bin");
    const RunResult r = runCli("demo-cloud --out " + quote(cloud_) + " --seed 4");
    ASSERT_EQ(r.code, 0) << r.output;
  }
  void TearDown() override {
    // Kept for a look when a check after the set-up failed.
    if (HasFailure() && fs::exists(cloud_)) {
      std::cout << "files kept in " << dir_.string() << "\n";
    } else {
      fs::remove_all(dir_);
    }
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string configPath(const std::string& which) const {
    return which == "tiny" ? tinyConfig_ : std::string(CPQ_SOURCE_DIR) + "/configs/demo.yaml";
  }

  // node tools/run_onnx.js on one model; returns the output names in the order the model declares them.
  std::vector<std::string> runOrt(const std::string& model, const std::string& input,
                                  const std::string& outDir) {
    const RunResult r = runShell("node " + quote(kToolsDir + "/run_onnx.js") + " --model " + quote(model) +
                                 " --input " + quote(input) + " --out-dir " + quote(outDir));
    EXPECT_EQ(r.code, 0) << r.output;
    std::vector<std::string> names;
    std::istringstream lines(r.output);
    std::string line;
    while (std::getline(lines, line)) names.push_back(line.substr(0, line.find(' ')));
    return names;
  }

  fs::path dir_;
  std::string tinyConfig_, cloud_;
};

// ---- parity of both files, both layouts, both configs ----

struct ParityCase {
  std::string config;  // tiny | demo
  bool autoware;
};

class OrtParityTest : public OrtTest, public ::testing::WithParamInterface<ParityCase> {};

TEST_P(OrtParityTest, BothFilesMatchTheLibtorchForward) {
  const ParityCase& pc = GetParam();
  const std::string config = configPath(pc.config);
  const std::string weights = " --random-init --seed 7";
  RunResult r = runCli("infer --config " + quote(config) + weights + " --points " + quote(cloud_) +
                       " --out " + quote(path("dets.json")) + " --dump " + quote(path("dump")));
  ASSERT_EQ(r.code, 0) << r.output;
  r = runCli("export --config " + quote(config) + weights + " --out-dir " + quote(path("onnx")) +
             (pc.autoware ? " --autoware" : ""));
  ASSERT_EQ(r.code, 0) << r.output;

  const fs::path dump = dir_ / "dump";
  const at::Tensor inputFeatures = readNpy((dump / "input_features.npy").string());
  ASSERT_GT(inputFeatures.size(0), 10) << "the generated cloud should fill some pillars";

  // Encoder: input_features -> pillar_features.
  const std::vector<std::string> encOut =
      runOrt(path("onnx/pts_voxel_encoder_centerpoint.onnx"),
             "input_features=" + (dump / "input_features.npy").string(), path("ort_encoder"));
  ASSERT_EQ(encOut, std::vector<std::string>{"pillar_features"});
  const at::Tensor pillarsOrt = readNpy(path("ort_encoder/pillar_features.npy"));
  const at::Tensor pillarsTorch = readNpy((dump / "pillar_features.npy").string());
  ASSERT_EQ(pillarsOrt.sizes(), pillarsTorch.sizes());
  const double encErr = relativeL2(pillarsOrt, pillarsTorch);
  EXPECT_LE(encErr, kTolerance) << "pillar_features";
  std::cout << "[ " << pc.config << (pc.autoware ? " autoware" : " default") << " ] pillar_features rel_l2 "
            << encErr << "\n";

  // Backbone + neck + head: spatial_features -> the six outputs, in docs/onnx_export.md's order.
  const std::vector<std::string> headOut =
      runOrt(path("onnx/pts_backbone_neck_head_centerpoint.onnx"),
             "spatial_features=" + (dump / "spatial_features.npy").string(), path("ort_head"));
  ASSERT_EQ(headOut, kHeadOutputs);
  for (const std::string& name : kHeadOutputs) {
    const at::Tensor ort = readNpy(path("ort_head/" + name + ".npy"));
    at::Tensor torch = dumpHeadOutput(dump, name);
    if (pc.autoware) torch = toAutoware(name, torch);
    ASSERT_EQ(ort.sizes(), torch.sizes()) << name;
    const double err = relativeL2(ort, torch);
    EXPECT_LE(err, kTolerance) << name;
    std::cout << "[ " << pc.config << (pc.autoware ? " autoware" : " default") << " ] " << name << " rel_l2 "
              << err << "\n";
  }
  if (pc.autoware) {
    // The Autoware layout must really differ from the default one (else the check above proves nothing).
    const at::Tensor rot = readNpy(path("ort_head/rot.npy"));
    EXPECT_GT(relativeL2(rot, dumpHeadOutput(dump, "rot")), 0.5);
  }
}

INSTANTIATE_TEST_SUITE_P(Configs, OrtParityTest,
                         ::testing::Values(ParityCase{"tiny", false}, ParityCase{"tiny", true},
                                           ParityCase{"demo", false}, ParityCase{"demo", true}),
                         [](const ::testing::TestParamInfo<ParityCase>& info) {
                           return info.param.config + (info.param.autoware ? "_autoware" : "_default");
                         });

// ---- scripts/verify_onnx.sh ----

class VerifyOnnxScriptTest : public OrtTest {
 protected:
  RunResult verify(const std::string& checkpoint, const std::string& onnxDir, const std::string& extra = "") {
    return runShell("CPQ_CLI=" + quote(CPQ_CLI_PATH) + " bash " +
                    quote(std::string(CPQ_SOURCE_DIR) + "/scripts/verify_onnx.sh") + " --config " +
                    quote(tinyConfig_) + " --checkpoint " + quote(checkpoint) + " --onnx-dir " +
                    quote(onnxDir) + " --points " + quote(cloud_) + extra);
  }
  void saveRandomCheckpoint(uint64_t seed, const std::string& file) {
    CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), seed);
    saveCheckpoint(file, stateDictOf(*model));
  }
};

TEST_F(VerifyOnnxScriptTest, PassesOnTheMatchingCheckpointInBothLayouts) {
  saveRandomCheckpoint(1, path("seed1.safetensors"));
  for (const bool autoware : {false, true}) {
    const std::string out = path(autoware ? "onnx_aw" : "onnx");
    const RunResult e =
        runCli("export --config " + quote(tinyConfig_) + " --checkpoint " + quote(path("seed1.safetensors")) +
               " --out-dir " + quote(out) + (autoware ? " --autoware" : ""));
    ASSERT_EQ(e.code, 0) << e.output;
    const RunResult r = verify(path("seed1.safetensors"), out, autoware ? " --autoware" : "");
    EXPECT_EQ(r.code, 0) << r.output;
    for (const char* name : {"pillar_features", "heatmap", "reg", "height", "dim", "rot", "vel"}) {
      EXPECT_NE(r.output.find(std::string(name) + " "), std::string::npos) << name << "\n" << r.output;
    }
    EXPECT_NE(r.output.find("verify_onnx: PASS"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << r.output;
  }
}

TEST_F(VerifyOnnxScriptTest, FailsOnAMismatchedCheckpoint) {
  // The files hold seed-1 weights; the checkpoint given to the check holds seed-2 weights.
  const RunResult e = runCli("export --config " + quote(tinyConfig_) + " --random-init --seed 1 --out-dir " +
                             quote(path("onnx")));
  ASSERT_EQ(e.code, 0) << e.output;
  saveRandomCheckpoint(2, path("seed2.safetensors"));
  const RunResult r = verify(path("seed2.safetensors"), path("onnx"));
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("FAIL"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("rel_l2="), std::string::npos) << r.output;
}

TEST_F(VerifyOnnxScriptTest, FailsOnTheWrongLayout) {
  // A default-layout export checked as --autoware: dim and rot must be reported, the rest must still match.
  saveRandomCheckpoint(1, path("seed1.safetensors"));
  const RunResult e = runCli("export --config " + quote(tinyConfig_) + " --checkpoint " +
                             quote(path("seed1.safetensors")) + " --out-dir " + quote(path("onnx")));
  ASSERT_EQ(e.code, 0) << e.output;
  const RunResult r = verify(path("seed1.safetensors"), path("onnx"), " --autoware");
  EXPECT_NE(r.code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int failed = 0;
  while (std::getline(lines, line)) {
    if (line.find("rel_l2=") == std::string::npos) continue;
    const bool isFail = line.find("FAIL") != std::string::npos;
    const bool expectFail = line.rfind("dim ", 0) == 0 || line.rfind("rot ", 0) == 0;
    EXPECT_EQ(isFail, expectFail) << line;
    failed += isFail;
  }
  EXPECT_EQ(failed, 2) << r.output;
}

TEST_F(VerifyOnnxScriptTest, RefusesMissingFilesClearly) {
  saveRandomCheckpoint(1, path("seed1.safetensors"));
  const RunResult r = verify(path("seed1.safetensors"), path("no_such_dir"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.output.find("pts_voxel_encoder_centerpoint.onnx: no such file"), std::string::npos) << r.output;
}

// ---- tools/compare_npy.js on tensors written by our C++ writeNpy ----

TEST_F(OrtTest, CompareToolConcatenatesTasksAndAppliesTheAutowareLayout) {
  // Two tasks' dim/rot as infer --dump writes them, and the concatenated Autoware layout computed here.
  const at::Tensor dim0 = at::randn({1, 3, 4, 5}), dim1 = at::randn({1, 3, 4, 5});
  const at::Tensor rot0 = at::randn({1, 2, 4, 5}), rot1 = at::randn({1, 2, 4, 5});
  writeNpy(path("dim_task0.npy"), dim0);
  writeNpy(path("dim_task1.npy"), dim1);
  writeNpy(path("rot_task0.npy"), rot0);
  writeNpy(path("rot_task1.npy"), rot1);
  writeNpy(path("dim_aw.npy"), toAutoware("dim", at::cat({dim0, dim1}, 1)));
  writeNpy(path("rot_aw.npy"), toAutoware("rot", at::cat({rot0, rot1}, 1)));
  writeNpy(path("dim_plain.npy"), at::cat({dim0, dim1}, 1));
  const std::string tool = "node " + quote(kToolsDir + "/compare_npy.js");
  const std::string pairs = " dim=" + path("dim_aw.npy") + ":" + path("dim_task0.npy") + ":" +
                            path("dim_task1.npy") + " rot=" + path("rot_aw.npy") + ":" +
                            path("rot_task0.npy") + ":" + path("rot_task1.npy");
  RunResult r = runShell(tool + " --transform dim=dim-autoware --transform rot=rot-autoware" + pairs);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("rel_l2=0.000e+0"), std::string::npos) << r.output;
  r = runShell(tool + pairs);  // without the transform, the layouts differ
  EXPECT_EQ(r.code, 1) << r.output;
  r = runShell(tool + " dim=" + path("dim_plain.npy") + ":" + path("dim_task0.npy") + ":" +
               path("dim_task1.npy"));
  EXPECT_EQ(r.code, 0) << r.output;
  // A small perturbation is measured, and judged against the tolerance.
  writeNpy(path("dim_near.npy"), at::cat({dim0, dim1}, 1) * (1 + 1e-3));
  r = runShell(tool + " dim=" + path("dim_near.npy") + ":" + path("dim_task0.npy") + ":" +
               path("dim_task1.npy"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("rel_l2=1.000e-3"), std::string::npos) << r.output;
  r = runShell(tool + " --tolerance 2e-3 dim=" + path("dim_near.npy") + ":" + path("dim_task0.npy") + ":" +
               path("dim_task1.npy"));
  EXPECT_EQ(r.code, 0) << r.output;
  // Shapes that differ are a failure, not a crash.
  r = runShell(tool + " dim=" + path("rot_aw.npy") + ":" + path("dim_task0.npy"));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("shape mismatch"), std::string::npos) << r.output;
}

TEST_F(OrtTest, NodeNpyReaderRoundTripsOurWriterAndRejectsWhatItCannotRead) {
  // float32 / int32 / int64 from our C++ writer, re-encoded by tools/npy.js: byte-identical.
  writeNpy(path("f.npy"), at::randn({3, 32, 10}));
  writeNpy(path("i.npy"), at::randint(-1000, 1000, {7, 4}, at::kInt));
  writeNpy(path("l.npy"), at::randint(-100000, 100000, {5}, at::kLong));
  const std::string script =
      "const n=require(process.argv[1]+'/npy.js');const fs=require('fs');let ok=true;"
      "for(const f of process.argv.slice(2)){const a=n.readNpy(f);"
      "const same=n.encodeNpy(a.type,a.dims,a.data).equals(fs.readFileSync(f));"
      "console.log(f,a.type,a.dims.join('x'),same?'same':'DIFFERENT');ok=ok&&same;}process.exit(ok?0:1);";
  RunResult r = runShell("node -e " + quote(script) + " " + quote(kToolsDir) + " " + quote(path("f.npy")) +
                         " " + quote(path("i.npy")) + " " + quote(path("l.npy")));
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("float32 3x32x10 same"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("int32 7x4 same"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("int64 5 same"), std::string::npos) << r.output;
  // An unsupported dtype is a clear error naming the file.
  writeNpy(path("u8.npy"), at::zeros({2}, at::kByte));
  r = runShell("node " + quote(kToolsDir + "/compare_npy.js") + " x=" + path("u8.npy") + ":" +
               path("u8.npy"));
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("u8.npy: unsupported dtype '|u1'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace cpq
