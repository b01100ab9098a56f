// `centerpoint-quant export --quantized`: what it refuses, with words a user can act on, before writing
// anything. (The files it writes are checked by ONNX Runtime in tests/export_ort/OrtInt8ParityTest.cpp.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"
#include "core/AtomicFile.h"
#include "export/QuantizedTinyModel.h"
#include "model/QuantizedCheckpoint.h"
#include "support/RunCli.h"
#include "support/TempRoot.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

using testing::quote;
using testing::runCli;
using testing::RunResult;

namespace fs = std::filesystem;

class ExportQuantizedCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = cpq::testing::tempRoot() / ("cpq_export_q_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_ = path("tiny.yaml");
    writeStringAtomically(config_, testing::tinyConfigYaml());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  RunResult exportCli(const std::string& weights, const std::string& extra = "") {
    return runCli("export --config " + quote(config_) + " " + weights + " --out-dir " + quote(path("out")) +
                  extra);
  }

  fs::path dir_;
  std::string config_;
};

TEST_F(ExportQuantizedCli, AFloatCheckpointIsNotAQuantizedOne) {
  CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), 1);
  saveCheckpoint(path("float.safetensors"), stateDictOf(*model));
  const RunResult r = exportCli("--checkpoint " + quote(path("float.safetensors")), " --quantized");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("float.safetensors: has no _amax keys: not a quantized"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(path("out")));
}

TEST_F(ExportQuantizedCli, QuantizedNeedsACheckpoint) {
  const RunResult r = exportCli("--random-init", " --quantized");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("--quantized needs --checkpoint"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("out")));
}

TEST_F(ExportQuantizedCli, AQuantizedCheckpointWithoutTheFlagGetsAHint) {
  CenterPoint model = testing::fusedModelWithQuantizers(testing::tinyConfig(), 1, testing::QuantSetup{});
  testing::setFixedAmax(model);
  saveQuantizedCheckpoint(model, path("q.safetensors"), {});
  const RunResult r = exportCli("--checkpoint " + quote(path("q.safetensors")));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("q.safetensors: holds _amax keys"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("export it with --quantized"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("out")));
}

TEST_F(ExportQuantizedCli, BadPrecisionInTheConfigIsRefused) {
  writeStringAtomically(config_, testing::tinyConfigYaml() + "quantization: {precision: {input: int8}}\n");
  CenterPoint model = testing::fusedModelWithQuantizers(testing::tinyConfig(), 1, testing::QuantSetup{});
  testing::setFixedAmax(model);
  saveQuantizedCheckpoint(model, path("q.safetensors"), {});
  const RunResult r = exportCli("--checkpoint " + quote(path("q.safetensors")), " --quantized");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("precision.input"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("out")));
}

}  // namespace
}  // namespace cpq
