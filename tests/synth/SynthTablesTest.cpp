// Table integrity of generated datasets in both layouts: every token reference resolves, prev/next chains
// agree, timestamps are monotonic, keyframes come every 0.5 s with their sweeps, files are whole rows.
#include <gtest/gtest.h>

#include "support/ErrorMessage.h"
#include "synth/SynthTestSupport.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;
using Records = std::map<std::string, nlohmann::json>;

const char* kTables[] = {
    "attribute", "calibrated_sensor", "category",    "ego_pose", "instance", "log",       "map",
    "sample",    "sample_annotation", "sample_data", "scene",    "sensor",   "visibility"};

struct Tables {
  std::map<std::string, Records> t;
  fs::path fileRoot;
};

Tables loadTables(const fs::path& tableDir, const fs::path& fileRoot) {
  Tables out;
  out.fileRoot = fileRoot;
  for (const char* name : kTables) {
    const fs::path p = tableDir / (std::string(name) + ".json");
    EXPECT_TRUE(fs::exists(p)) << p;
    if (fs::exists(p)) out.t[name] = testing::byToken(testing::readJson(p));
  }
  return out;
}

void expectRef(const Tables& d, const std::string& table, const nlohmann::json& token,
               const std::string& what) {
  ASSERT_TRUE(token.is_string()) << what;
  EXPECT_EQ(d.t.at(table).count(token.get<std::string>()), 1u) << what << " -> " << table << " " << token;
}

void expectChain(const Tables& d, const std::string& table) {
  for (const auto& [tok, r] : d.t.at(table)) {
    for (const char* link : {"prev", "next"}) {
      const std::string other = r.at(link);
      if (other.empty()) continue;
      expectRef(d, table, other, table + "." + link);
      const char* back = std::string(link) == "prev" ? "next" : "prev";
      EXPECT_EQ(d.t.at(table).at(other).at(back), tok) << table << " " << tok;
    }
  }
}

void checkReferences(const Tables& d) {
  for (const auto& [tok, r] : d.t.at("sample")) expectRef(d, "scene", r["scene_token"], "sample.scene_token");
  for (const auto& [tok, r] : d.t.at("sample_data")) {
    expectRef(d, "sample", r["sample_token"], "sample_data.sample_token");
    expectRef(d, "ego_pose", r["ego_pose_token"], "sample_data.ego_pose_token");
    expectRef(d, "calibrated_sensor", r["calibrated_sensor_token"], "sample_data.calibrated_sensor_token");
    const fs::path file = d.fileRoot / r["filename"].get<std::string>();
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_EQ(fs::file_size(file) % 20, 0u) << file;
    EXPECT_EQ(r["fileformat"], "pcd");
  }
  for (const auto& [tok, r] : d.t.at("calibrated_sensor"))
    expectRef(d, "sensor", r["sensor_token"], "cs.sensor");
  for (const auto& [tok, r] : d.t.at("sample_annotation")) {
    expectRef(d, "sample", r["sample_token"], "ann.sample_token");
    expectRef(d, "instance", r["instance_token"], "ann.instance_token");
    expectRef(d, "visibility", r["visibility_token"], "ann.visibility_token");
    ASSERT_EQ(r["attribute_tokens"].size(), 1u);
    expectRef(d, "attribute", r["attribute_tokens"][0], "ann.attribute_tokens");
    EXPECT_EQ(r["num_radar_pts"], 0);
    EXPECT_EQ(r["size"].size(), 3u);
    EXPECT_EQ(r["rotation"].size(), 4u);
  }
  for (const auto& [tok, r] : d.t.at("instance")) {
    expectRef(d, "category", r["category_token"], "instance.category_token");
    expectRef(d, "sample_annotation", r["first_annotation_token"], "instance.first");
    expectRef(d, "sample_annotation", r["last_annotation_token"], "instance.last");
  }
  for (const auto& [tok, r] : d.t.at("scene")) {
    expectRef(d, "log", r["log_token"], "scene.log_token");
    expectRef(d, "sample", r["first_sample_token"], "scene.first");
    expectRef(d, "sample", r["last_sample_token"], "scene.last");
  }
  for (const auto& [tok, r] : d.t.at("map"))
    for (const auto& log : r["log_tokens"]) expectRef(d, "log", log, "map.log_tokens");
  for (const char* table : {"sample", "sample_data", "sample_annotation"}) expectChain(d, table);
}

// Follows each scene's sample chain and the lidar sample_data chain from its first record.
void checkTiming(const Tables& d, int sweepsPerKeyframe) {
  const Records& samples = d.t.at("sample");
  const Records& data = d.t.at("sample_data");
  for (const auto& [sceneTok, scene] : d.t.at("scene")) {
    std::string s = scene["first_sample_token"];
    int n = 0;
    int64_t last = -1;
    while (!s.empty()) {
      const int64_t ts = samples.at(s)["timestamp"];
      if (last >= 0) {
        EXPECT_EQ(ts - last, 500000) << "keyframes every 0.5 s";
      }
      last = ts;
      ++n;
      s = samples.at(s)["next"].get<std::string>();
    }
    EXPECT_EQ(n, scene["nbr_samples"]);
  }
  int heads = 0;
  for (const auto& [tok, r] : data) {
    if (!r["prev"].get<std::string>().empty()) continue;
    ++heads;
    int sweepsSinceKey = 0;
    int64_t last = -1;
    for (std::string t = tok; !t.empty(); t = data.at(t)["next"].get<std::string>()) {
      const nlohmann::json& rec = data.at(t);
      const int64_t ts = rec["timestamp"];
      EXPECT_GT(ts, last) << "timestamps monotonic";
      last = ts;
      EXPECT_EQ(d.t.at("ego_pose").at(rec["ego_pose_token"].get<std::string>())["timestamp"], ts);
      const nlohmann::json& sample = samples.at(rec["sample_token"].get<std::string>());
      if (rec["is_key_frame"].get<bool>()) {
        EXPECT_EQ(sample["timestamp"], ts);
        EXPECT_EQ(sweepsSinceKey, sweepsPerKeyframe);
        sweepsSinceKey = 0;
      } else {
        EXPECT_LT(ts, sample["timestamp"].get<int64_t>()) << "a sweep belongs to the next keyframe";
        ++sweepsSinceKey;
      }
    }
  }
  EXPECT_EQ(heads, static_cast<int>(d.t.at("scene").size())) << "one lidar chain per scene";
}

TEST(SynthTables, NuScenesLayoutIsComplete) {
  const auto& g = testing::nuScenesSample();
  const Tables d = loadTables(g.dir() / "v1.0-trainval", g.dir());
  checkReferences(d);
  checkTiming(d, 1);
  EXPECT_EQ(d.t.at("sample").size(), 8u);
  EXPECT_EQ(d.t.at("sensor").begin()->second["channel"], "LIDAR_TOP");
  const auto& cs = d.t.at("calibrated_sensor").begin()->second;
  EXPECT_NEAR(cs["translation"][2].get<double>(), 1.8, 0.01);
  EXPECT_NE(cs["rotation"][0].get<double>(), 1.0) << "lidar frame differs from the ego frame";
  EXPECT_TRUE(fs::exists(g.dir() / "samples" / "LIDAR_TOP"));
  EXPECT_TRUE(fs::exists(g.dir() / "sweeps" / "LIDAR_TOP"));
  const std::string splits = testing::readAll(g.dir() / "splits.yaml");
  EXPECT_NE(splits.find("train: [scene-0001]"), std::string::npos) << splits;
  EXPECT_NE(splits.find("val: [scene-0002]"), std::string::npos) << splits;
}

TEST(SynthTables, ValScenesChoosesTheValSplit) {
  SynthOptions o = testing::smallOptions(SynthLayout::NuScenes, 3, 1, 7);
  o.valScenes = 2;
  const testing::GeneratedDataset g(o, "valscenes");
  const std::string splits = testing::readAll(g.dir() / "splits.yaml");
  EXPECT_NE(splits.find("train: [scene-0001]"), std::string::npos) << splits;
  EXPECT_NE(splits.find("val: [scene-0002, scene-0003]"), std::string::npos) << splits;
  o.valScenes = 3;  // no train scene left
  EXPECT_NE(testing::errorMessageOf([&] { validateSynthOptions(o); }).find("--val-scenes"),
            std::string::npos);
}

TEST(SynthTables, T4LayoutIsCompletePerDatasetId) {
  const auto& g = testing::t4Sample();
  const std::string splits = testing::readAll(g.dir() / "splits.yaml");
  int ids = 0;
  for (const auto& e : fs::directory_iterator(g.dir())) {
    if (!e.is_directory()) continue;
    ++ids;
    const fs::path root = e.path() / "0";
    EXPECT_NE(splits.find(e.path().filename().string()), std::string::npos);
    const Tables d = loadTables(root / "annotation", root);
    checkReferences(d);
    checkTiming(d, 1);
    EXPECT_EQ(d.t.at("scene").size(), 1u);
    EXPECT_EQ(d.t.at("sensor").begin()->second["channel"], "LIDAR_CONCAT");
    EXPECT_EQ(d.t.at("calibrated_sensor").begin()->second["rotation"], nlohmann::json({1.0, 0.0, 0.0, 0.0}));
    for (const auto& [tok, r] : d.t.at("sample_annotation")) {
      ASSERT_EQ(r["velocity"].size(), 3u);
      ASSERT_EQ(r["acceleration"].size(), 3u);
    }
    for (const auto& [tok, r] : d.t.at("sample_data")) {
      const std::vector<float> v = testing::readFloats(root / r["filename"].get<std::string>());
      for (size_t i = 4; i < v.size(); i += 5) ASSERT_EQ(v[i], -1.0f) << "T4 ring is -1";
    }
  }
  EXPECT_EQ(ids, 2);
}

}  // namespace
}  // namespace cpq
