// The CLI as a user runs it: exit codes, messages that name the file, no partial output.
#include <gtest/gtest.h>

#include "support/RunCli.h"
#include "support/TempRoot.h"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"
#include "core/AtomicFile.h"
#include "core/Npy.h"
#include "model/CenterPoint.h"
#include "preprocess/PointCloud.h"
#include "support/TinyConfig.h"
#include "synth/DemoCloud.h"

namespace cpq {
namespace {

using testing::runCli;
using testing::RunResult;

namespace fs = std::filesystem;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = cpq::testing::tempRoot() / ("cpq_cli_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_ = (dir_ / "tiny.yaml").string();
    writeStringAtomically(config_, testing::tinyConfigYaml());
    cloud_ = (dir_ / "cloud.pcd.bin").string();
    DemoCloudOptions o;
    o.maxRange = 9.0f;
    o.numObjects = 6;
    writePcdBin(cloud_, makeDemoCloud(o, 5));
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
  std::string config_, cloud_;
};

TEST_F(CliTest, EverySubcommandHasHelp) {
  for (const char* sub : {"infer", "convert", "demo-cloud", "bench", "export"}) {
    const RunResult r = runCli(std::string(sub) + " --help");
    EXPECT_EQ(r.code, 0) << sub;
    EXPECT_NE(r.output.find("--"), std::string::npos) << sub;
  }
}

TEST_F(CliTest, InferWritesDetectionsAndTheSpecDump) {
  const RunResult r =
      runCli("infer --config " + config_ + " --random-init --seed 1 --points " + cloud_ + " --out " +
             path("dets.json") + " --dump " + path("dump") + " --report " + path("report.md"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(readFileToString(path("dets.json")));
  ASSERT_TRUE(j["detections"].is_array());
  const std::string report = readFileToString(path("report.md"));
  EXPECT_NE(report.find(std::to_string(j["detections"].size()) + " detections (awml decoder)"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("| pedestrian | "), std::string::npos) << report;
  for (const auto& d : j["detections"]) {
    for (const char* key : {"x", "y", "z", "l", "w", "h", "yaw", "vx", "vy", "score", "label"})
      EXPECT_TRUE(d.contains(key)) << key;
  }
  const at::Tensor input = readNpy(path("dump/input_features.npy"));
  const int64_t n = input.size(0);
  EXPECT_EQ(n, j["num_pillars"].get<int64_t>());
  EXPECT_EQ(input.sizes().vec(), (std::vector<int64_t>{n, 32, 11}));
  EXPECT_EQ(readNpy(path("dump/pillar_features.npy")).sizes().vec(), (std::vector<int64_t>{n, 1, 32}));
  const at::Tensor spatial = readNpy(path("dump/spatial_features.npy"));
  EXPECT_EQ(spatial.sizes().vec(), (std::vector<int64_t>{1, 32, 32, 32}));
  // The canvas holds exactly the pillars: each occupied cell has a non-zero feature vector or not, but no
  // cell outside the pillar coordinates does.
  EXPECT_LE(spatial.abs().sum(1).gt(0).sum().item<int64_t>(), n);
  for (const auto& [name, c] : std::vector<std::pair<std::string, int64_t>>{
           {"heatmap", 3}, {"reg", 2}, {"height", 1}, {"dim", 3}, {"rot", 2}, {"vel", 2}}) {
    EXPECT_EQ(readNpy(path("dump/" + name + "_task0.npy")).sizes().vec(),
              (std::vector<int64_t>{1, c, 16, 16}))
        << name;
  }
  EXPECT_EQ(readNpy(path("dump/heatmap_task1.npy")).size(1), 2);
}

TEST_F(CliTest, BenchReportsEveryStage) {
  const RunResult r =
      runCli("bench --config " + config_ + " --random-init --points " + cloud_ + " --runs 2 --warmup 1");
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* stage : {"voxelize", "pillar features", "pts_voxel_encoder", "scatter",
                            "backbone+neck+head", "decode", "total"})
    EXPECT_NE(r.output.find(stage), std::string::npos) << stage << "\n" << r.output;
  EXPECT_NE(r.output.find("median of 2 runs after 1 warm-up"), std::string::npos) << r.output;
}

TEST_F(CliTest, InferIsDeterministic) {
  const std::string base =
      "infer --config " + config_ + " --random-init --seed 4 --points " + cloud_ + " --out ";
  ASSERT_EQ(runCli(base + path("a.json")).code, 0);
  ASSERT_EQ(runCli(base + path("b.json")).code, 0);
  EXPECT_EQ(readFileToString(path("a.json")), readFileToString(path("b.json")));
}

TEST_F(CliTest, TruncatedPointsFileIsOneClearErrorAndNoOutput) {
  std::string bytes = readFileToString(cloud_);
  writeStringAtomically(path("bad.pcd.bin"), bytes.substr(0, bytes.size() - 3));
  const RunResult r = runCli("infer --config " + config_ + " --random-init --points " + path("bad.pcd.bin") +
                             " --out " + path("dets.json") + " --dump " + path("dump"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("bad.pcd.bin"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("dets.json")));
  EXPECT_FALSE(fs::exists(path("dump")));
}

TEST_F(CliTest, EmptyCloudGivesNoDetections) {
  writeStringAtomically(path("empty.pcd.bin"), "");
  const RunResult r = runCli("infer --config " + config_ + " --random-init --points " +
                             path("empty.pcd.bin") + " --out " + path("dets.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(readFileToString(path("dets.json")));
  EXPECT_EQ(j["num_points"], 0);
  EXPECT_TRUE(j["detections"].empty());
}

TEST_F(CliTest, NonFinitePointsAreDroppedAndCounted) {
  at::Tensor pts = readPcdBin(cloud_).points.clone();
  pts[0][0] = std::nanf("");
  pts[1][2] = INFINITY;
  writePcdBin(path("nan.pcd.bin"), pts);
  const RunResult r = runCli("infer --config " + config_ + " --random-init --points " + path("nan.pcd.bin") +
                             " --out " + path("dets.json"));
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(readFileToString(path("dets.json")));
  EXPECT_EQ(j["dropped_non_finite"], 2);
  EXPECT_EQ(j["num_points"].get<int64_t>(), pts.size(0) - 2);
}

TEST_F(CliTest, ExistingOutputIsNotOverwrittenWithoutFlag) {
  writeStringAtomically(path("dets.json"), "mine");
  const RunResult r = runCli("infer --config " + config_ + " --random-init --points " + cloud_ + " --out " +
                             path("dets.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("--overwrite"), std::string::npos);
  EXPECT_EQ(readFileToString(path("dets.json")), "mine");
  EXPECT_EQ(runCli("infer --config " + config_ + " --random-init --points " + cloud_ + " --out " +
                   path("dets.json") + " --overwrite")
                .code,
            0);
}

TEST_F(CliTest, CheckpointThatDoesNotFitListsEveryKey) {
  // A checkpoint of the 10-feature encoder given to the 11-feature config, with one key dropped.
  CenterPoint other(testing::tinyConfig(4));
  const StateDict full = stateDictOf(*other);
  StateDict sd;
  for (const auto& [k, v] : full.items())
    if (k != "pts_neck.deblocks.1.1.running_mean") sd.insert(k, v);
  saveCheckpoint(path("w.safetensors"), sd);
  const RunResult r = runCli("infer --config " + config_ + " --checkpoint " + path("w.safetensors") +
                             " --points " + cloud_ + " --out " + path("dets.json"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("w.safetensors"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pts_neck.deblocks.1.1.running_mean"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pts_voxel_encoder.pfn_layers.0.linear.weight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[16,10]"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(path("dets.json")));
}

TEST_F(CliTest, CheckpointRoundTripThroughConvertGivesTheSameDetections) {
  CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), 9);
  saveCheckpoint(path("w.pth"), stateDictOf(*model));
  ASSERT_EQ(runCli("convert --checkpoint " + path("w.pth") + " --output " + path("w.safetensors")).code, 0);
  const std::string base = "infer --config " + config_ + " --points " + cloud_;
  ASSERT_EQ(runCli(base + " --checkpoint " + path("w.pth") + " --out " + path("a.json")).code, 0);
  ASSERT_EQ(runCli(base + " --checkpoint " + path("w.safetensors") + " --out " + path("b.json")).code, 0);
  ASSERT_EQ(runCli(base + " --random-init --seed 9 --out " + path("c.json")).code, 0);
  EXPECT_EQ(readFileToString(path("a.json")), readFileToString(path("b.json")));
  EXPECT_EQ(readFileToString(path("a.json")), readFileToString(path("c.json")));
}

TEST_F(CliTest, InvalidConfigNamesFileAndKey) {
  writeStringAtomically(path("bad.yaml"), testing::tinyConfigYaml(4, "VoxelNet"));
  const RunResult r = runCli("infer --config " + path("bad.yaml") + " --random-init --points " + cloud_);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("bad.yaml"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("unknown encoder type 'VoxelNet'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace cpq
