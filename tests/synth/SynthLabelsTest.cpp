// The labels agree with the data: num_lidar_pts equals a recount of the keyframe points in the GLOBAL frame
// (inclusive bounds, as the devkit counts), velocities agree with how the boxes move, attributes with speed.
#include <gtest/gtest.h>

#include <Eigen/Geometry>

#include <cmath>

#include "synth/SynthTestSupport.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

Eigen::Vector3d vec3(const nlohmann::json& j) {
  return {j[0].get<double>(), j[1].get<double>(), j[2].get<double>()};
}
Eigen::Quaterniond quat(const nlohmann::json& j) {
  return Eigen::Quaterniond(j[0].get<double>(), j[1].get<double>(), j[2].get<double>(), j[3].get<double>());
}

int countInBox(const std::vector<Eigen::Vector3d>& pts, const nlohmann::json& ann) {
  const Eigen::Vector3d c = vec3(ann["translation"]), s = vec3(ann["size"]);  // w, l, h
  const Eigen::Matrix3d r = quat(ann["rotation"]).normalized().toRotationMatrix();
  int n = 0;
  for (const Eigen::Vector3d& p : pts) {
    const Eigen::Vector3d l = r.transpose() * (p - c);
    n += std::abs(l.x()) <= s.y() / 2 && std::abs(l.y()) <= s.x() / 2 && std::abs(l.z()) <= s.z() / 2;
  }
  return n;
}

// Recounts every annotation of one table folder; returns how many annotations had points.
int checkRecount(const fs::path& tableDir, const fs::path& fileRoot) {
  const auto samples = testing::readJson(tableDir / "sample.json");
  const auto data = testing::readJson(tableDir / "sample_data.json");
  const auto cs = testing::byToken(testing::readJson(tableDir / "calibrated_sensor.json"));
  const auto ego = testing::byToken(testing::readJson(tableDir / "ego_pose.json"));
  const auto anns = testing::readJson(tableDir / "sample_annotation.json");
  int withPoints = 0;
  for (const auto& sd : data) {
    if (!sd["is_key_frame"].get<bool>()) continue;
    const auto& c = cs.at(sd["calibrated_sensor_token"].get<std::string>());
    const auto& e = ego.at(sd["ego_pose_token"].get<std::string>());
    const std::vector<float> v = testing::readFloats(fileRoot / sd["filename"].get<std::string>());
    std::vector<Eigen::Vector3d> global;
    for (size_t i = 0; i < v.size(); i += 5) {
      const Eigen::Vector3d p(v[i], v[i + 1], v[i + 2]);
      const Eigen::Vector3d pe = quat(c["rotation"]) * p + vec3(c["translation"]);
      global.push_back(quat(e["rotation"]) * pe + vec3(e["translation"]));
    }
    for (const auto& a : anns) {
      if (a["sample_token"] != sd["sample_token"]) continue;
      const int n = countInBox(global, a);
      EXPECT_EQ(n, a["num_lidar_pts"].get<int>()) << a["token"];
      withPoints += n > 0;
    }
  }
  (void)samples;
  return withPoints;
}

TEST(SynthLabels, NumLidarPtsEqualsAGlobalFrameRecountNuScenes) {
  const auto& g = testing::nuScenesSample();
  EXPECT_GT(checkRecount(g.dir() / "v1.0-trainval", g.dir()), 50);
}

TEST(SynthLabels, NumLidarPtsEqualsAGlobalFrameRecountT4) {
  const auto& g = testing::t4Sample();
  for (const auto& e : fs::directory_iterator(g.dir()))
    if (e.is_directory()) {
      EXPECT_GT(checkRecount(e.path() / "0" / "annotation", e.path() / "0"), 20);
    }
}

// T4 stores velocity: it must match the centred difference of the box centres across keyframes (0.5 s),
// and the attribute must agree with the speed.
TEST(SynthLabels, VelocitiesMatchHowBoxesMove) {
  const auto& g = testing::t4Sample();
  int checked = 0, moving = 0;
  for (const auto& e : fs::directory_iterator(g.dir())) {
    if (!e.is_directory()) continue;
    const fs::path tables = e.path() / "0" / "annotation";
    const auto anns = testing::byToken(testing::readJson(tables / "sample_annotation.json"));
    const auto samples = testing::byToken(testing::readJson(tables / "sample.json"));
    const auto attrs = testing::byToken(testing::readJson(tables / "attribute.json"));
    for (const auto& [tok, a] : anns) {
      const Eigen::Vector3d v = vec3(a["velocity"]);
      const std::string attr = attrs.at(a["attribute_tokens"][0].get<std::string>())["name"];
      const bool isMoving = attr == "vehicle.moving" || attr == "pedestrian.moving";
      if (attr != "cycle.with_rider") {
        EXPECT_EQ(isMoving, v.head<2>().norm() > 0.2) << attr << " " << v.transpose();
      }
      moving += isMoving;
      const std::string prev = a["prev"], next = a["next"];
      if (prev.empty() || next.empty()) continue;
      const auto& p = anns.at(prev);
      const auto& n = anns.at(next);
      const double dt = (samples.at(n["sample_token"].get<std::string>())["timestamp"].get<int64_t>() -
                         samples.at(p["sample_token"].get<std::string>())["timestamp"].get<int64_t>()) *
                        1e-6;
      const Eigen::Vector3d fd = (vec3(n["translation"]) - vec3(p["translation"])) / dt;
      EXPECT_LT((fd - v).norm(), 0.05) << tok << " fd " << fd.transpose() << " v " << v.transpose();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(moving, 20);
}

}  // namespace
}  // namespace cpq
