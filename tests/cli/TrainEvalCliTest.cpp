// `train` and `eval` end to end on a small generated dataset, through the built CLI as a user runs them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "checkpoint/Safetensors.h"
#include "core/AtomicFile.h"
#include "support/RunCli.h"
#include "support/TempRoot.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {
namespace fs = std::filesystem;
using testing::quote;
using testing::runCli;

class TrainEvalCli : public ::testing::Test {
 protected:
  static fs::path root() { return testing::tempRoot() / "cpq_train_eval_cli"; }
  static std::string data() { return (root() / "data").string(); }
  static std::string config() { return (root() / "small.yaml").string(); }
  static std::string work() { return (root() / "work").string(); }

  static std::string trainArgs(const std::string& workDir) {
    return "train --config " + quote(config()) + " --data " + quote(data()) + " --work-dir " +
           quote(workDir) + " --seed 5 --workers 2 --max-val-frames 4";
  }

  // One generated dataset and one 2-epoch run shared by the tests (each step takes seconds).
  static void SetUpTestSuite() {
    fs::remove_all(root());
    fs::create_directories(root());
    writeStringAtomically(config(), testing::smallRangeConfigYaml());
    const auto synth =
        runCli("synth --out " + quote(data()) + " --scenes 3 --frames-per-scene 3 --seed 11 --preset demo");
    ASSERT_EQ(synth.code, 0) << synth.output;
    const auto train = runCli(trainArgs(work()));
    ASSERT_EQ(train.code, 0) << train.output;
  }
  static void TearDownTestSuite() { fs::remove_all(root()); }
};

nlohmann::json readJson(const fs::path& p) { return nlohmann::json::parse(readFileToString(p.string())); }

TEST_F(TrainEvalCli, TrainWritesCheckpointsAndHistory) {
  for (const char* f : {"epoch_1.safetensors", "epoch_1.optim.safetensors", "epoch_1.state.json",
                        "epoch_2.safetensors", "epoch_2.optim.safetensors", "latest.json"})
    EXPECT_TRUE(fs::exists(fs::path(work()) / f)) << f;
  const auto latest = readJson(fs::path(work()) / "latest.json");
  EXPECT_EQ(latest["epoch"], 2);
  ASSERT_EQ(latest["history"].size(), 2u);
  const auto& last = latest["history"][1];
  ASSERT_TRUE(last["val_map_overall"].is_number());  // val_interval 1
  EXPECT_GE(last["val_map_overall"].get<double>(), 0.0);
  EXPECT_LE(last["val_map_overall"].get<double>(), 1.0);
  EXPECT_TRUE(std::isfinite(last["mean_loss"].get<double>()));
  // AWML names: what eval / export read.
  const StateDict sd = loadSafetensors((fs::path(work()) / "epoch_2.safetensors").string());
  EXPECT_NE(sd.find("pts_voxel_encoder.pfn_layers.0.linear.weight"), nullptr);
  EXPECT_NE(sd.find("pts_bbox_head.task_heads.0.heatmap.1.bias"), nullptr);
}

TEST_F(TrainEvalCli, ResumeAfterInterruptionMatchesTheUninterruptedRun) {
  // The state of a run killed during epoch 2: epoch 1 finished, epoch 2's files never written.
  const fs::path w2 = root() / "work_interrupted";
  fs::remove_all(w2);
  fs::copy(work(), w2);
  for (const char* f : {"epoch_2.safetensors", "epoch_2.optim.safetensors", "epoch_2.state.json"})
    fs::remove(w2 / f);
  fs::copy_file(w2 / "epoch_1.state.json", w2 / "latest.json", fs::copy_options::overwrite_existing);
  const auto r = runCli(trainArgs(w2.string()) + " --resume");
  ASSERT_EQ(r.code, 0) << r.output;
  const StateDict a = loadSafetensors((fs::path(work()) / "epoch_2.safetensors").string());
  const StateDict b = loadSafetensors((w2 / "epoch_2.safetensors").string());
  ASSERT_EQ(a.keys(), b.keys());
  for (const auto& [name, t] : a.items()) EXPECT_TRUE(at::allclose(t, *b.find(name), 1e-5, 1e-6)) << name;
  EXPECT_EQ(readJson(w2 / "latest.json")["step"], readJson(fs::path(work()) / "latest.json")["step"]);
}

// A hand-edited state whose "epoch" is a string escaped as nlohmann::type_error (abort, exit 134) before:
// now one line naming the file, exit 1, and the work dir unchanged. The edit re-saves the state with
// sorted keys, which must not read as "other settings" (the comparison was key-order sensitive).
TEST_F(TrainEvalCli, ResumeOfAMalformedStateNamesTheFile) {
  const fs::path w = root() / "work_malformed";
  fs::remove_all(w);
  fs::copy(work(), w);
  auto state = readJson(w / "latest.json");
  state["epoch"] = "two";
  writeStringAtomically((w / "latest.json").string(), state.dump());
  const std::string before = readFileToString((w / "latest.json").string());
  const auto r = runCli(trainArgs(w.string()) + " --resume");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("error: " + (w / "latest.json").string() + ": not a valid training state"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(readFileToString((w / "latest.json").string()), before);
  EXPECT_FALSE(fs::exists(w / "epoch_3.safetensors"));
}

TEST_F(TrainEvalCli, ExistingRunWithoutResumeIsRefused) {
  const auto r = runCli(trainArgs(work()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("--resume"), std::string::npos) << r.output;
}

TEST_F(TrainEvalCli, ResumeWithAnotherConfigIsRefusedAndChangesNothing) {
  const fs::path other = root() / "other.yaml";
  writeStringAtomically(other.string(), testing::smallRangeConfigYaml() + "\n# edited\n");
  const std::string before = readFileToString(work() + "/latest.json");
  const auto r = runCli("train --config " + quote(other.string()) + " --data " + quote(data()) +
                        " --work-dir " + quote(work()) + " --seed 5 --workers 2 --max-val-frames 4 --resume");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("other settings"), std::string::npos) << r.output;
  EXPECT_EQ(readFileToString(work() + "/latest.json"), before);
}

TEST_F(TrainEvalCli, ConfigWhoseClassesAreAbsentFromTheDataIsAnError) {
  std::string yaml = testing::smallRangeConfigYaml();
  for (size_t pos; (pos = yaml.find("[car, truck, bus, bicycle, pedestrian]")) != std::string::npos;)
    yaml.replace(pos, 38, "[traffic_cone]");
  yaml.replace(yaml.find("num_class: 5"), 12, "num_class: 1");
  const fs::path cones = root() / "cones.yaml";
  writeStringAtomically(cones.string(), yaml);
  const fs::path w = root() / "w_cones";
  const auto r = runCli("train --config " + quote(cones.string()) + " --data " + quote(data()) +
                        " --work-dir " + quote(w.string()) + " --val-split none");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("none of the config's classes (traffic_cone)"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(w / "latest.json"));
}

TEST_F(TrainEvalCli, EmptySplitIsAnError) {
  const fs::path splits = root() / "empty_splits.yaml";
  writeStringAtomically(splits.string(), "train: []\nval: []\n");
  const auto r = runCli(trainArgs((root() / "w_empty").string()) + " --splits " + quote(splits.string()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("no samples"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(root() / "w_empty" / "latest.json"));
}

TEST_F(TrainEvalCli, EvalOfModelEqualsEvalOfItsResultsFile) {
  const fs::path out = root() / "eval_model";
  const fs::path again = root() / "eval_results";
  fs::remove_all(out);
  fs::remove_all(again);
  const std::string common = " --config " + quote(config()) + " --data " + quote(data()) + " --split val";
  auto r = runCli("eval" + common + " --checkpoint " + quote(work() + "/epoch_2.safetensors") +
                  " --out-dir " + quote(out.string()));
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* f : {"results_nusc.json", "metrics.json", "summary.md"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto results = readJson(out / "results_nusc.json");
  EXPECT_EQ(results["meta"]["use_lidar"], true);
  const auto metrics = readJson(out / "metrics.json");
  ASSERT_TRUE(metrics.contains("t4") && metrics.contains("nuscenes"));
  EXPECT_EQ(metrics["frames"].get<size_t>(), results["results"].size());
  EXPECT_TRUE(metrics["t4"]["mAP"].contains("overall"));
  EXPECT_TRUE(metrics["t4"]["mAP"].contains("0-20"));

  r = runCli("eval" + common + " --results " + quote((out / "results_nusc.json").string()) + " --out-dir " +
             quote(again.string()));
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(readJson(again / "metrics.json"), metrics);
  EXPECT_FALSE(fs::exists(again / "results_nusc.json"));
}

TEST_F(TrainEvalCli, ResultsWithUnknownTokenNameTheTokenAndWriteNothing) {
  const fs::path out = root() / "eval_model_bad";
  fs::remove_all(out);
  const std::string common = " --config " + quote(config()) + " --data " + quote(data()) + " --split val";
  auto r = runCli("eval" + common + " --checkpoint " + quote(work() + "/epoch_1.safetensors") +
                  " --out-dir " + quote(out.string()));
  ASSERT_EQ(r.code, 0) << r.output;
  auto results = readJson(out / "results_nusc.json");
  results["results"]["no-such-sample"] = nlohmann::json::array();
  const fs::path bad = root() / "bad_results.json";
  writeStringAtomically(bad.string(), results.dump());
  const fs::path out2 = root() / "eval_bad";
  r = runCli("eval" + common + " --results " + quote(bad.string()) + " --out-dir " + quote(out2.string()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("no-such-sample"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad_results.json"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out2));
}

TEST_F(TrainEvalCli, T4MetricWithoutConfigIsAnError) {
  const auto r = runCli("eval --data " + quote(data()) + " --split val --metric t4 --results " +
                        quote(work() + "/latest.json") + " --out-dir " + quote((root() / "x").string()));
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("--config"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace cpq
