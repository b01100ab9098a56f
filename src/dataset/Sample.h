#pragma once
// What the dataset reader hands to training and evaluation: one keyframe (a nuScenes `sample`) with its
// lidar file, its previous sweeps, its poses and its annotations. Shared by the nuScenes and T4 layouts.
//
// Frames follow docs/dataset.md ('Frames and transforms'): calibrated_sensor is sensor -> ego, ego_pose is
// ego -> global, quaternions are (w, x, y, z).
#include <Eigen/Geometry>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace cpq {

// A rigid transform p' = rotation * p + translation.
struct RigidPose {
  Eigen::Quaterniond rotation = Eigen::Quaterniond::Identity();
  Eigen::Vector3d translation = Eigen::Vector3d::Zero();

  Eigen::Vector3d apply(const Eigen::Vector3d& p) const { return rotation * p + translation; }
  RigidPose inverse() const {
    RigidPose inv;
    inv.rotation = rotation.conjugate();
    inv.translation = -(inv.rotation * translation);
    return inv;
  }
  // (a * b).apply(p) == a.apply(b.apply(p))
  RigidPose operator*(const RigidPose& b) const {
    RigidPose out;
    out.rotation = rotation * b.rotation;
    out.translation = rotation * b.translation + translation;
    return out;
  }
  Eigen::Matrix4d matrix() const {
    Eigen::Matrix4d m = Eigen::Matrix4d::Identity();
    m.topLeftCorner<3, 3>() = rotation.toRotationMatrix();
    m.topRightCorner<3, 1>() = translation;
    return m;
  }
};

// A previous lidar sweep of a keyframe.
struct SweepRef {
  std::string token;      // its sample_data token
  std::string path;       // absolute (dataroot joined with sample_data.filename)
  int64_t timestamp = 0;  // microseconds
  RigidPose sensorToRef;  // this sweep's sensor frame -> the keyframe's lidar frame
  double timeLag = 0;     // (t_ref - t_sweep) * 1e-6 s
};

// One sample_annotation, in the GLOBAL frame as the table stores it.
struct GtBox {
  std::string token;
  std::string instanceToken;
  std::string category;   // category.name, e.g. vehicle.car
  std::string className;  // mapped to the config's classes; "" = not a detection class
  std::string attribute;  // first attribute name, "" when none
  Eigen::Vector3d center = Eigen::Vector3d::Zero();              // global
  Eigen::Vector3d size = Eigen::Vector3d::Ones();                // w, l, h
  Eigen::Quaterniond rotation = Eigen::Quaterniond::Identity();  // global
  Eigen::Vector2d velocity{0, 0};                                // global vx, vy; NaN when unknown
  int numLidarPts = 0;
  int numRadarPts = 0;
};

// A GT box in the keyframe's lidar frame, as training and the range-bucketed metric use it.
struct LidarBox {
  Eigen::Vector3d center = Eigen::Vector3d::Zero();  // geometric centre (not mmdet3d's bottom centre)
  double length = 1, width = 1, height = 1;          // l along yaw, w across
  double yaw = 0;                                    // atan2(R[1,0], R[0,0]) in the lidar frame
  Eigen::Vector2d velocity{0, 0};                    // lidar-frame vx, vy; NaN when unknown
  int label = -1;                                    // index in the config's class list, -1 = not a class
  int numPts = 0;                                    // num_lidar_pts + num_radar_pts
};

struct SampleInfo {
  std::string token;             // sample token
  std::string sceneName;         // scene.name (nuScenes) or the dataset id (T4)
  int64_t timestamp = 0;         // microseconds
  std::string lidarToken;        // the LIDAR_TOP / LIDAR_CONCAT keyframe sample_data token
  std::string lidarPath;         // absolute path of the keyframe .pcd.bin
  RigidPose lidarToEgo;          // calibrated_sensor of the keyframe
  RigidPose egoToGlobal;         // ego_pose of the keyframe
  std::vector<SweepRef> sweeps;  // previous sweeps, nearest first, at most the reader's sweep count
  std::vector<GtBox> boxes;      // annotations in table order
};

}  // namespace cpq
