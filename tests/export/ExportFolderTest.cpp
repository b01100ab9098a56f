// exportCenterPointOnnx and `centerpoint-quant export`: the three files, the param file's content, the folder
// rule (refuse another export unless --overwrite), and bad input that leaves no files behind.
#include <gtest/gtest.h>

#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include "support/RunCli.h"
#include "support/TempRoot.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "export/AutowareParamFile.h"
#include "export/CenterPointOnnxExport.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

using testing::runCli;
using testing::RunResult;

namespace fs = std::filesystem;

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

const std::vector<std::string> kFiles{"centerpoint_ml_package.param.yaml",
                                      "pts_backbone_neck_head_centerpoint.onnx",
                                      "pts_voxel_encoder_centerpoint.onnx"};

class ExportFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = cpq::testing::tempRoot() / ("cpq_export_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_ = path("tiny.yaml");
    writeStringAtomically(config_, testing::tinyConfigYaml());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
  std::string config_;
};

TEST_F(ExportFolder, WritesTheThreeFilesIntoANewFolder) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 1);
  exportCenterPointOnnx(model, cfg, path("out/nested"), {}, false);
  EXPECT_EQ(listing(path("out/nested")), kFiles);
  OnnxExportOptions named;
  named.name = "tiny_v1";
  exportCenterPointOnnx(model, cfg, path("named"), named, false);
  EXPECT_EQ(listing(path("named")), (std::vector<std::string>{"centerpoint_ml_package.param.yaml",
                                                              "pts_backbone_neck_head_tiny_v1.onnx",
                                                              "pts_voxel_encoder_tiny_v1.onnx"}));
}

TEST_F(ExportFolder, TwoExportsOfTheSameInputsAreByteIdentical) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint a = makeRandomCenterPoint(cfg, 4), b = makeRandomCenterPoint(cfg, 4);
  exportCenterPointOnnx(a, cfg, path("a"), {}, false);
  exportCenterPointOnnx(b, cfg, path("b"), {}, false);
  for (const auto& f : kFiles)
    EXPECT_TRUE(readFileToString(path("a/" + f)) == readFileToString(path("b/" + f))) << f;
}

TEST_F(ExportFolder, AcceptsAnEmptyFolderOrUnrelatedFiles) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 1);
  fs::create_directories(path("empty"));
  EXPECT_NO_THROW(exportCenterPointOnnx(model, cfg, path("empty"), {}, false));
  fs::create_directories(path("mixed"));
  writeStringAtomically(path("mixed/notes.txt"), "keep me");
  EXPECT_NO_THROW(exportCenterPointOnnx(model, cfg, path("mixed"), {}, false));
  EXPECT_EQ(readFileToString(path("mixed/notes.txt")), "keep me");
}

TEST_F(ExportFolder, RefusesAnotherExportUnlessOverwrite) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 1);
  // Any one of our names, or any other .onnx file, marks the folder as holding an export.
  for (const std::string existing :
       {"centerpoint_ml_package.param.yaml", "pts_voxel_encoder_centerpoint.onnx", "other.onnx"}) {
    const fs::path d = dir_ / ("has_" + existing);
    fs::create_directories(d);
    writeStringAtomically((d / existing).string(), "old");
    try {
      exportCenterPointOnnx(model, cfg, d.string(), {}, false);
      ADD_FAILURE() << existing << " was not refused";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(existing), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("--overwrite"), std::string::npos) << e.what();
    }
    EXPECT_EQ(listing(d), std::vector<std::string>{existing});
    EXPECT_EQ(readFileToString((d / existing).string()), "old");
    EXPECT_NO_THROW(exportCenterPointOnnx(model, cfg, d.string(), {}, true));
    EXPECT_NE(readFileToString((d / "pts_voxel_encoder_centerpoint.onnx").string()), "old");
  }
}

TEST_F(ExportFolder, RefusesAFileAsFolderAndABadName) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 1);
  writeStringAtomically(path("file"), "x");
  EXPECT_THROW(exportCenterPointOnnx(model, cfg, path("file"), {}, true), Error);
  OnnxExportOptions bad;
  bad.name = "a/b";
  EXPECT_THROW(exportCenterPointOnnx(model, cfg, path("out"), bad, false), Error);
  bad.name = "";
  EXPECT_THROW(exportCenterPointOnnx(model, cfg, path("out"), bad, false), Error);
  EXPECT_FALSE(fs::exists(path("out")));
}

TEST_F(ExportFolder, ParamFileHasAutowaresModelParams) {
  const CenterPointConfig cfg = loadConfig(std::string(CPQ_SOURCE_DIR) + "/configs/demo.yaml");
  const YAML::Node root = YAML::Load(autowareMlPackageParams(cfg));
  const YAML::Node p = root["/**"]["ros__parameters"]["model_params"];
  ASSERT_TRUE(p.IsMap());
  EXPECT_EQ(p["class_names"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"CAR", "TRUCK", "BUS", "BICYCLE", "PEDESTRIAN"}));
  EXPECT_EQ(p["point_feature_size"].as<int>(), 5);
  EXPECT_EQ(p["max_voxel_size"].as<int>(), 32000);
  EXPECT_EQ(p["point_cloud_range"].as<std::vector<float>>(),
            (std::vector<float>{-51.2f, -51.2f, -3.0f, 51.2f, 51.2f, 5.0f}));
  EXPECT_EQ(p["voxel_size"].as<std::vector<float>>(), (std::vector<float>{0.32f, 0.32f, 8.0f}));
  EXPECT_EQ(p["downsample_factor"].as<int>(), 2);
  EXPECT_EQ(p["encoder_in_feature_size"].as<int>(), 11);
  EXPECT_FALSE(p["has_variance"].as<bool>());
  EXPECT_TRUE(p["has_twist"].as<bool>());
  // ROS 2 parameter arrays must be of one type: every float is written with a decimal point.
  const std::string text = autowareMlPackageParams(cfg);
  EXPECT_NE(text.find("point_cloud_range: [-51.2, -51.2, -3.0, 51.2, 51.2, 5.0]"), std::string::npos) << text;
  EXPECT_NE(text.find("voxel_size: [0.32, 0.32, 8.0]"), std::string::npos) << text;

  const CenterPointConfig legacy =
      loadConfig(std::string(CPQ_SOURCE_DIR) + "/configs/awml/centerpoint_legacy_760.yaml");
  const YAML::Node q = YAML::Load(autowareMlPackageParams(legacy))["/**"]["ros__parameters"]["model_params"];
  EXPECT_EQ(q["point_feature_size"].as<int>(), 4);
  EXPECT_EQ(q["encoder_in_feature_size"].as<int>(), 9);
  EXPECT_EQ(q["downsample_factor"].as<int>(), 1);
}

TEST_F(ExportFolder, CliExportsAndIsDeterministic) {
  const std::string base = "export --config " + config_ + " --random-init --seed 3 --out-dir ";
  RunResult r = runCli(base + path("a"));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(listing(path("a")), kFiles);
  r = runCli(base + path("b"));
  ASSERT_EQ(r.code, 0) << r.output;
  for (const auto& f : kFiles)
    EXPECT_TRUE(readFileToString(path("a/" + f)) == readFileToString(path("b/" + f))) << f;
  r = runCli(base + path("c") + " --autoware");
  ASSERT_EQ(r.code, 0) << r.output;
  // The y-axis reference changes the head file only.
  EXPECT_TRUE(readFileToString(path("c/pts_voxel_encoder_centerpoint.onnx")) ==
              readFileToString(path("a/pts_voxel_encoder_centerpoint.onnx")));
  EXPECT_FALSE(readFileToString(path("c/pts_backbone_neck_head_centerpoint.onnx")) ==
               readFileToString(path("a/pts_backbone_neck_head_centerpoint.onnx")));
  r = runCli(base + path("d") + " --name tiny");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(listing(path("d")),
            (std::vector<std::string>{"centerpoint_ml_package.param.yaml", "pts_backbone_neck_head_tiny.onnx",
                                      "pts_voxel_encoder_tiny.onnx"}));
  EXPECT_EQ(runCli("export --help").code, 0);
}

TEST_F(ExportFolder, CliRefusesAnExistingExportWithoutOverwrite) {
  const std::string base = "export --config " + config_ + " --random-init --out-dir " + path("out");
  ASSERT_EQ(runCli(base + " --seed 1").code, 0);
  const std::string before = readFileToString(path("out/pts_backbone_neck_head_centerpoint.onnx"));
  const RunResult r = runCli(base + " --seed 2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(path("out")), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--overwrite"), std::string::npos) << r.output;
  EXPECT_EQ(listing(path("out")), kFiles);  // no temporaries left
  EXPECT_TRUE(readFileToString(path("out/pts_backbone_neck_head_centerpoint.onnx")) == before);
  ASSERT_EQ(runCli(base + " --seed 2 --overwrite").code, 0);
  EXPECT_EQ(listing(path("out")), kFiles);
  EXPECT_FALSE(readFileToString(path("out/pts_backbone_neck_head_centerpoint.onnx")) == before);
}

TEST_F(ExportFolder, CliCheckpointThatDoesNotFitLeavesNoFiles) {
  // A 10-feature encoder's checkpoint for the 11-feature config.
  CenterPoint other(testing::tinyConfig(4));
  saveCheckpoint(path("w.safetensors"), stateDictOf(*other));
  const std::string base =
      "export --config " + config_ + " --checkpoint " + path("w.safetensors") + " --out-dir ";
  RunResult r = runCli(base + path("out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("w.safetensors"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pts_voxel_encoder.pfn_layers.0.linear.weight"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("out")));
  fs::create_directories(path("empty"));
  r = runCli(base + path("empty"));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(listing(path("empty")).empty());
}

TEST_F(ExportFolder, CliNeedsExactlyOneWeightSource) {
  RunResult r = runCli("export --config " + config_ + " --out-dir " + path("out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--checkpoint"), std::string::npos) << r.output;
  CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), 1);
  saveCheckpoint(path("w.pth"), stateDictOf(*model));
  r = runCli("export --config " + config_ + " --random-init --checkpoint " + path("w.pth") + " --out-dir " +
             path("out"));
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(fs::exists(path("out")));
}

}  // namespace
}  // namespace cpq
