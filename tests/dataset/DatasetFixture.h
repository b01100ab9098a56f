#pragma once
// Small hand-written table sets for the dataset reader tests, in the nuScenes and the T4 layouts. Every
// number the tests expect is derived by hand in the test from the values written here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <Eigen/Geometry>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/Error.h"
#include "support/TempRoot.h"

namespace cpq::testing {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kPi = 3.14159265358979323846;

inline json wxyz(double yaw) { return json::array({std::cos(yaw / 2), 0.0, 0.0, std::sin(yaw / 2)}); }
inline json vec(double x, double y, double z) { return json::array({x, y, z}); }

// The 13 tables as JSON arrays, filled record by record.
struct TableSet {
  std::map<std::string, json> tables;

  TableSet() {
    for (const char* name :
         {"attribute", "calibrated_sensor", "category", "ego_pose", "instance", "log", "map", "sample",
          "sample_annotation", "sample_data", "scene", "sensor", "visibility"}) {
      tables[name] = json::array();
    }
  }
  void add(const std::string& table, json record) { tables.at(table).push_back(std::move(record)); }
  // The record of `table` with `token` (the test edits it to make bad input).
  json& at(const std::string& table, const std::string& token) {
    for (json& r : tables.at(table)) {
      if (r["token"] == token) return r;
    }
    throw std::runtime_error("fixture has no " + table + " " + token);
  }
  void write(const fs::path& dir) const {
    fs::create_directories(dir);
    for (const auto& [name, records] : tables) std::ofstream(dir / (name + ".json")) << records.dump(1);
  }
};

using PointRows = std::vector<std::array<float, 5>>;

inline void writePoints(const fs::path& file, const PointRows& rows) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out.write(reinterpret_cast<const char*>(rows.data()), static_cast<std::streamsize>(rows.size() * 20));
}

// A scratch folder per test, removed afterwards.
class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = tempRoot() / ("cpq_dataset_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" +
                          info->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
};

// The message of the cpq::Error that f throws, or a marker when it throws none.
inline std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no cpq::Error>";
}

// --- nuScenes scenario -------------------------------------------------------------------------------
// Two scenes. scene-0916 (first in scene.json) has one sample s2a; scene-0103 has s1a (t = 1.0 s) and s1b
// (t = 1.5 s), listed in sample.json as s1b, s2a, s1a. LIDAR_TOP is mounted at (1, 0, 2) turned 90 degrees
// about z. Ego poses of the lidar chain sw0 -> kf1a -> sw1 -> kf1b: x = 9, 10, 10.5, 11 (no rotation), at
// t = 0.95, 1.0, 1.25, 1.5 s. kf2a has its own pose. A CAM_FRONT keyframe exists for s1a.
inline TableSet nuScenesTables() {
  TableSet t;
  t.add("sensor", {{"token", "sensor_lidar"}, {"channel", "LIDAR_TOP"}, {"modality", "lidar"}});
  t.add("sensor", {{"token", "sensor_cam"}, {"channel", "CAM_FRONT"}, {"modality", "camera"}});
  t.add("calibrated_sensor", {{"token", "cs_lidar"},
                              {"sensor_token", "sensor_lidar"},
                              {"translation", vec(1, 0, 2)},
                              {"rotation", wxyz(kPi / 2)},
                              {"camera_intrinsic", json::array()}});
  t.add("calibrated_sensor", {{"token", "cs_cam"},
                              {"sensor_token", "sensor_cam"},
                              {"translation", vec(0, 0, 1.5)},
                              {"rotation", wxyz(0)},
                              {"camera_intrinsic", {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}});
  t.add("category", {{"token", "cat_car"}, {"name", "vehicle.car"}, {"description", "cars"}});
  t.add("category", {{"token", "cat_ped"}, {"name", "human.pedestrian.adult"}, {"description", ""}});
  t.add("category", {{"token", "cat_trailer"}, {"name", "vehicle.trailer"}, {"description", ""}});
  t.add("category", {{"token", "cat_police"}, {"name", "vehicle.emergency.police"}, {"description", ""}});
  t.add("attribute", {{"token", "attr_moving"}, {"name", "vehicle.moving"}});
  t.add("attribute", {{"token", "attr_standing"}, {"name", "pedestrian.standing"}});
  t.add("visibility", {{"token", "4"}, {"level", "v80-100"}, {"description", ""}});
  for (const char* inst : {"inst_car", "inst_ped", "inst_trailer", "inst_police"}) {
    const std::string cat = std::string("cat_") + (inst + 5);
    t.add("instance", {{"token", inst},
                       {"category_token", cat},
                       {"nbr_annotations", 1},
                       {"first_annotation_token", ""},
                       {"last_annotation_token", ""}});
  }
  t.add("log", {{"token", "log1"}, {"location", "boston-seaport"}, {"vehicle", "n015"}});
  t.add("map", {{"token", "map1"}, {"log_tokens", {"log1"}}, {"filename", "maps/a.png"}, {"category", ""}});
  t.add("scene", {{"token", "scene_b"},
                  {"name", "scene-0916"},
                  {"log_token", "log1"},
                  {"nbr_samples", 1},
                  {"first_sample_token", "s2a"},
                  {"last_sample_token", "s2a"},
                  {"description", ""}});
  t.add("scene", {{"token", "scene_a"},
                  {"name", "scene-0103"},
                  {"log_token", "log1"},
                  {"nbr_samples", 2},
                  {"first_sample_token", "s1a"},
                  {"last_sample_token", "s1b"},
                  {"description", ""}});
  t.add(
      "sample",
      {{"token", "s1b"}, {"timestamp", 1500000}, {"scene_token", "scene_a"}, {"prev", "s1a"}, {"next", ""}});
  t.add("sample",
        {{"token", "s2a"}, {"timestamp", 5000000}, {"scene_token", "scene_b"}, {"prev", ""}, {"next", ""}});
  t.add(
      "sample",
      {{"token", "s1a"}, {"timestamp", 1000000}, {"scene_token", "scene_a"}, {"prev", ""}, {"next", "s1b"}});
  auto sd = [&t](const std::string& token, const std::string& sample, const std::string& cs,
                 const std::string& file, int64_t time, bool key, const std::string& prev,
                 const std::string& next) {
    t.add("sample_data", {{"token", token},
                          {"sample_token", sample},
                          {"ego_pose_token", "ep_" + token},
                          {"calibrated_sensor_token", cs},
                          {"filename", file},
                          {"fileformat", "pcd"},
                          {"timestamp", time},
                          {"is_key_frame", key},
                          {"prev", prev},
                          {"next", next},
                          {"width", 0},
                          {"height", 0}});
  };
  sd("sw0", "s1a", "cs_lidar", "sweeps/LIDAR_TOP/sw0.pcd.bin", 950000, false, "", "kf1a");
  sd("kf1a", "s1a", "cs_lidar", "samples/LIDAR_TOP/kf1a.pcd.bin", 1000000, true, "sw0", "sw1");
  sd("cam1a", "s1a", "cs_cam", "samples/CAM_FRONT/cam1a.jpg", 1000010, true, "", "");
  sd("sw1", "s1b", "cs_lidar", "sweeps/LIDAR_TOP/sw1.pcd.bin", 1250000, false, "kf1a", "kf1b");
  sd("kf1b", "s1b", "cs_lidar", "samples/LIDAR_TOP/kf1b.pcd.bin", 1500000, true, "sw1", "");
  sd("kf2a", "s2a", "cs_lidar", "samples/LIDAR_TOP/kf2a.pcd.bin", 5000000, true, "", "");
  auto ep = [&t](const std::string& sdToken, json translation, json rotation, int64_t time) {
    t.add("ego_pose", {{"token", "ep_" + sdToken},
                       {"translation", translation},
                       {"rotation", rotation},
                       {"timestamp", time}});
  };
  ep("sw0", vec(9, 0, 0), wxyz(0), 950000);
  ep("kf1a", vec(10, 0, 0), wxyz(0), 1000000);
  ep("cam1a", vec(10, 0, 0), wxyz(0), 1000010);
  ep("sw1", vec(10.5, 0, 0), wxyz(0), 1250000);
  ep("kf1b", vec(11, 0, 0), wxyz(0), 1500000);
  ep("kf2a", vec(100, 50, 0), wxyz(kPi / 6), 5000000);
  ep("unused", vec(0, 0, 0), wxyz(0), 1);  // a pose no lidar sample_data uses
  auto ann = [&t](const std::string& token, const std::string& sample, const std::string& inst,
                  json translation, json size, json rotation, json attrs, int lidar, int radar,
                  const std::string& prev, const std::string& next) {
    t.add("sample_annotation", {{"token", token},
                                {"sample_token", sample},
                                {"instance_token", inst},
                                {"visibility_token", "4"},
                                {"attribute_tokens", attrs},
                                {"translation", translation},
                                {"size", size},
                                {"rotation", rotation},
                                {"prev", prev},
                                {"next", next},
                                {"num_lidar_pts", lidar},
                                {"num_radar_pts", radar}});
  };
  ann("ann_car_a", "s1a", "inst_car", vec(11, 5, 2), vec(2, 4, 1.5), wxyz(kPi / 2), {"attr_moving"}, 10, 2,
      "", "ann_car_b");
  ann("ann_ped_a", "s1a", "inst_ped", vec(13, 0, 1), vec(0.6, 0.8, 1.8), wxyz(0), {"attr_standing"}, 3, 0, "",
      "");
  ann("ann_car_b", "s1b", "inst_car", vec(12, 5, 2), vec(2, 4, 1.5), wxyz(kPi / 2), {"attr_moving"}, 8, 1,
      "ann_car_a", "");
  ann("ann_police_a", "s1a", "inst_police", vec(20, 0, 1), vec(2, 5, 2), wxyz(0), json::array(), 4, 0, "",
      "");
  ann("ann_trailer", "s2a", "inst_trailer", vec(100, 60, 1), vec(2.5, 8, 3), wxyz(0), json::array(), 0, 0, "",
      "");
  return t;
}

// Point files of the nuScenes scenario. kf1a holds a NaN row that the reader drops.
inline const PointRows& kf1aPoints() {
  static const PointRows rows = {{0.5f, 0.5f, 0, 10, 7}, {NAN, 0, 0, 1, 0}, {3, 4, 5, 20, 1}};
  return rows;
}
inline const PointRows& sw0Points() {
  static const PointRows rows = {{0.999f, 0.5f, 0, 1, 0},  // |x| < 1 and |y| < 1: dropped
                                 {1.0f, 0.5f, 0, 2, 0},    // |x| == 1: kept
                                 {0.5f, -1.0f, 0, 3, 0},   // |y| == 1: kept
                                 {-0.99f, -0.99f, 1, 4, 0},
                                 {5, 0, 0, 5, 0}};
  return rows;
}

inline void writeNuScenesPoints(const fs::path& root) {
  writePoints(root / "samples/LIDAR_TOP/kf1a.pcd.bin", kf1aPoints());
  writePoints(root / "sweeps/LIDAR_TOP/sw0.pcd.bin", sw0Points());
  writePoints(root / "sweeps/LIDAR_TOP/sw1.pcd.bin", {{2, 2, 0, 1, 0}});
  writePoints(root / "samples/LIDAR_TOP/kf1b.pcd.bin", {{7, 0, 0, 9, 0}});
  writePoints(root / "samples/LIDAR_TOP/kf2a.pcd.bin", {{1, 2, 3, 4, 0}, {4, 3, 2, 1, 0}});
}

inline void writeNuScenes(const fs::path& root, const TableSet& tables = nuScenesTables()) {
  tables.write(root / "v1.0-mini");
  writeNuScenesPoints(root);
}

// The devkit's 10 classes in the order nuScenes CenterPoint configs list them.
inline std::vector<std::string> nuScenesClasses() {
  return {"car",        "truck",   "construction_vehicle", "bus",         "trailer", "barrier",
          "motorcycle", "bicycle", "pedestrian",           "traffic_cone"};
}

inline std::vector<std::string> awmlClasses() { return {"car", "truck", "bus", "bicycle", "pedestrian"}; }

// --- T4 scenario -----------------------------------------------------------------------------------------
// One T4 dataset: a scene with two samples at t = 0 and 0.1 s, LIDAR_CONCAT keyframes k0 -> k1 (ego at x = 0
// and 2, no rotation, sensor at the ego origin), and a LIDAR_TOP sensor the reader must not pick.
// Annotations (T4 short category names): a car with a stored velocity, a trailer whose velocity is null and
// a pedestrian without the field and without neighbours.
inline TableSet t4Tables(const std::string& sceneName) {
  TableSet t;
  t.add("sensor", {{"token", "sensor_top"}, {"channel", "LIDAR_TOP"}, {"modality", "lidar"}});
  t.add("sensor", {{"token", "sensor_concat"}, {"channel", "LIDAR_CONCAT"}, {"modality", "lidar"}});
  t.add("calibrated_sensor", {{"token", "cs_top"},
                              {"sensor_token", "sensor_top"},
                              {"translation", vec(0, 0, 2)},
                              {"rotation", wxyz(0)}});
  t.add("calibrated_sensor", {{"token", "cs_concat"},
                              {"sensor_token", "sensor_concat"},
                              {"translation", vec(0, 0, 0)},
                              {"rotation", wxyz(0)}});
  t.add("category", {{"token", "c_car"}, {"name", "car"}});
  t.add("category", {{"token", "c_trailer"}, {"name", "trailer"}});
  t.add("category", {{"token", "c_ped"}, {"name", "pedestrian"}});
  t.add("category", {{"token", "c_police"}, {"name", "police_car"}});
  t.add("visibility", {{"token", "1"}, {"level", "none"}});
  for (const char* inst : {"car", "trailer", "ped", "police"}) {
    t.add("instance", {{"token", std::string("i_") + inst}, {"category_token", std::string("c_") + inst}});
  }
  t.add("log", {{"token", "log"}, {"location", "odaiba"}});
  t.add("map", {{"token", "map"}, {"log_tokens", {"log"}}, {"filename", ""}});
  t.add("scene", {{"token", "scene"},
                  {"name", sceneName},
                  {"log_token", "log"},
                  {"first_sample_token", "t0"},
                  {"last_sample_token", "t1"}});
  t.add("sample",
        {{"token", "t0"}, {"timestamp", 0}, {"scene_token", "scene"}, {"prev", ""}, {"next", "t1"}});
  t.add("sample",
        {{"token", "t1"}, {"timestamp", 100000}, {"scene_token", "scene"}, {"prev", "t0"}, {"next", ""}});
  t.add("sample_data", {{"token", "k0"},
                        {"sample_token", "t0"},
                        {"ego_pose_token", "e0"},
                        {"calibrated_sensor_token", "cs_concat"},
                        {"filename", "data/LIDAR_CONCAT/0.pcd.bin"},
                        {"fileformat", "pcd.bin"},
                        {"timestamp", 0},
                        {"is_key_frame", true},
                        {"prev", ""},
                        {"next", "k1"}});
  t.add("sample_data", {{"token", "k1"},
                        {"sample_token", "t1"},
                        {"ego_pose_token", "e1"},
                        {"calibrated_sensor_token", "cs_concat"},
                        {"filename", "data/LIDAR_CONCAT/1.pcd.bin"},
                        {"fileformat", "pcd.bin"},
                        {"timestamp", 100000},
                        {"is_key_frame", true},
                        {"prev", "k0"},
                        {"next", ""}});
  t.add("sample_data", {{"token", "top0"},
                        {"sample_token", "t0"},
                        {"ego_pose_token", "e0"},
                        {"calibrated_sensor_token", "cs_top"},
                        {"filename", "data/LIDAR_TOP/0.pcd.bin"},
                        {"fileformat", "pcd.bin"},
                        {"timestamp", 0},
                        {"is_key_frame", true},
                        {"prev", ""},
                        {"next", ""}});
  t.add("ego_pose",
        {{"token", "e0"}, {"translation", vec(0, 0, 0)}, {"rotation", wxyz(0)}, {"timestamp", 0}});
  t.add("ego_pose",
        {{"token", "e1"}, {"translation", vec(2, 0, 0)}, {"rotation", wxyz(0)}, {"timestamp", 100000}});
  auto ann = [&t](const std::string& token, const std::string& sample, const std::string& inst,
                  json translation, const std::string& prev, const std::string& next) {
    t.add("sample_annotation", {{"token", token},
                                {"sample_token", sample},
                                {"instance_token", inst},
                                {"visibility_token", "1"},
                                {"attribute_tokens", json::array()},
                                {"translation", translation},
                                {"size", vec(2, 4, 1.5)},
                                {"rotation", wxyz(0)},
                                {"prev", prev},
                                {"next", next},
                                {"num_lidar_pts", 5},
                                {"num_radar_pts", 0}});
  };
  ann("a_car0", "t0", "i_car", vec(10, 0, 0), "", "a_car1");
  t.tables["sample_annotation"].back()["velocity"] = vec(1, 2, 0);
  t.tables["sample_annotation"].back()["acceleration"] = nullptr;
  ann("a_trailer0", "t0", "i_trailer", vec(20, 0, 0), "", "a_trailer1");
  t.tables["sample_annotation"].back()["velocity"] = nullptr;
  ann("a_ped0", "t0", "i_ped", vec(5, 5, 0), "", "");
  ann("a_police0", "t0", "i_police", vec(30, 0, 0), "", "");
  ann("a_car1", "t1", "i_car", vec(50, 0, 0), "a_car0", "");
  t.tables["sample_annotation"].back()["velocity"] = vec(3, 4, 0);
  ann("a_trailer1", "t1", "i_trailer", vec(20.5, 1, 0), "a_trailer0", "");
  t.tables["sample_annotation"].back()["velocity"] = nullptr;
  return t;
}

// <root>/<id>/<version>/annotation + data/LIDAR_CONCAT/{0,1}.pcd.bin.
inline void writeT4Dataset(const fs::path& root, const std::string& id, const std::string& version,
                           const TableSet& tables) {
  const fs::path dir = root / id / version;
  tables.write(dir / "annotation");
  writePoints(dir / "data/LIDAR_CONCAT/0.pcd.bin", {{3, 0, 0, 1, -1}});
  writePoints(dir / "data/LIDAR_CONCAT/1.pcd.bin", {{4, 0, 0, 2, -1}, {0.5f, 0.5f, 0, 3, -1}});
}

}  // namespace cpq::testing
