// `synth` and `render` as a user runs them: one clear error and no partial output on bad arguments, a
// dataset and a PNG otherwise.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/RunCli.h"
#include "support/TempRoot.h"
#include "synth/BevRenderer.h"
#include "synth/SynthTestSupport.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;
using testing::quote;
using testing::runCli;
using testing::RunResult;

class SynthCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::tempRoot() / ("cpq_synthcli_" + std::to_string(::getpid()) + "_" +
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Only the entries the test made itself: no temporary folder left behind.
  size_t entries() const { return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {})); }

  fs::path dir_;
};

int errorLines(const std::string& out) {
  int n = 0;
  for (size_t p = out.find("error:"); p != std::string::npos; p = out.find("error:", p + 1)) ++n;
  return n;
}

TEST_F(SynthCliTest, ZeroScenesIsOneErrorAndNoOutput) {
  const RunResult r = runCli("synth --out " + quote(path("ds")) + " --scenes 0 --frames-per-scene 2");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("--scenes"), std::string::npos) << r.output;
  EXPECT_EQ(errorLines(r.output), 1) << r.output;
  EXPECT_FALSE(fs::exists(path("ds")));
  EXPECT_EQ(entries(), 0u);
}

TEST_F(SynthCliTest, BadPresetBeamsOrLayoutAreRefused) {
  for (const std::string bad : {"--preset nope", "--beams 48", "--layout kitti", "--sweeps 0"}) {
    const RunResult r =
        runCli("synth --out " + quote(path("ds")) + " --scenes 1 --frames-per-scene 1 " + bad);
    EXPECT_EQ(r.code, 1) << bad << ": " << r.output;
    EXPECT_EQ(errorLines(r.output), 1) << r.output;
    EXPECT_FALSE(fs::exists(path("ds"))) << bad;
  }
}

TEST_F(SynthCliTest, ExistingOutIsKeptWithoutOverwrite) {
  fs::create_directories(path("ds"));
  std::ofstream(path("ds/keep.txt")) << "mine";
  const RunResult r = runCli("synth --out " + quote(path("ds")) + " --scenes 1 --frames-per-scene 1");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("already exists"), std::string::npos) << r.output;
  EXPECT_EQ(testing::readAll(path("ds/keep.txt")), "mine");
  EXPECT_EQ(entries(), 1u);
  const RunResult o =
      runCli("synth --out " + quote(path("ds")) + " --scenes 1 --frames-per-scene 1 --overwrite");
  EXPECT_EQ(o.code, 0) << o.output;
  EXPECT_FALSE(fs::exists(path("ds/keep.txt")));
  EXPECT_TRUE(fs::exists(path("ds/dataset_card.json")));
}

TEST_F(SynthCliTest, RenderDrawsAKeyframeWithPredictions) {
  const RunResult s =
      runCli("synth --out " + quote(path("ds")) + " --scenes 1 --frames-per-scene 2 --seed 5");
  ASSERT_EQ(s.code, 0) << s.output;
  const auto samples = testing::readJson(path("ds/v1.0-trainval/sample.json"));
  const auto anns = testing::readJson(path("ds/v1.0-trainval/sample_annotation.json"));
  const std::string token = samples[1]["token"];
  // One prediction: the first GT box of the sample, shifted 1 m, in the results format.
  nlohmann::json box;
  for (const auto& a : anns)
    if (a["sample_token"] == token) box = a;
  box["translation"][0] = box["translation"][0].get<double>() + 1.0;
  const nlohmann::json results = {{"meta", {{"use_lidar", true}}},
                                  {"results",
                                   {{token,
                                     {{{"sample_token", token},
                                       {"translation", box["translation"]},
                                       {"size", box["size"]},
                                       {"rotation", box["rotation"]},
                                       {"velocity", {0.0, 0.0}},
                                       {"detection_name", "car"},
                                       {"detection_score", 0.9},
                                       {"attribute_name", "vehicle.parked"}}}}}}};
  std::ofstream(path("results.json")) << results.dump();
  const RunResult r = runCli("render --data " + quote(path("ds")) + " --sample " + token + " --results " +
                             quote(path("results.json")) + " --out " + quote(path("bev.png")));
  if (!pngSupported()) {
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.output.find("PNG"), std::string::npos) << r.output;
    return;
  }
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string png = testing::readAll(path("bev.png"));
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  const RunResult again = runCli("render --data " + quote(path("ds")) + " --sample " + token + " --out " +
                                 quote(path("bev.png")));
  EXPECT_EQ(again.code, 1) << "no silent overwrite";
  const RunResult unknown =
      runCli("render --data " + quote(path("ds")) + " --sample nope --out " + quote(path("x.png")));
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.output.find("nope"), std::string::npos) << unknown.output;
}

}  // namespace
}  // namespace cpq
