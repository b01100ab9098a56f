#pragma once
// Moving boxes between the global frame the tables use and the keyframe lidar frame the model uses
// (docs/dataset.md, 'Frames and transforms'), and counting points inside a box.
#include <ATen/ATen.h>

#include <Eigen/Geometry>

#include <cstdint>

#include "dataset/Sample.h"

namespace cpq {

// Yaw of a rotation: atan2(R[1,0], R[0,0]) of the normalised quaternion.
double yawOf(const Eigen::Quaterniond& rotation);

// A global box into the lidar frame of a keyframe: centre and rotation through inv(ego->global) then
// inv(lidar->ego); sizes (w, l, h) become length = l, width = w; the velocity is rotated only (vz = 0).
// label and numPts are left for the caller.
LidarBox globalToLidar(const GtBox& box, const RigidPose& lidarToEgo, const RigidPose& egoToGlobal);

// A lidar-frame box as the nuScenes results format wants it (docs/evaluation.md, 'Results format').
struct GlobalBox {
  Eigen::Vector3d translation = Eigen::Vector3d::Zero();  // global centre
  Eigen::Vector3d size = Eigen::Vector3d::Ones();         // w, l, h
  Eigen::Quaterniond rotation = Eigen::Quaterniond::Identity();
  Eigen::Vector2d velocity{0, 0};  // global vx, vy
};

// The inverse of globalToLidar for a box whose rotation in the lidar frame is a yaw about z.
GlobalBox lidarToGlobal(const LidarBox& box, const RigidPose& lidarToEgo, const RigidPose& egoToGlobal);

// Whether p lies in the box (centre, sizes w, l, h, rotation): box-local |x| <= l/2, |y| <= w/2, |z| <= h/2.
bool pointInBox(const Eigen::Vector3d& p, const Eigen::Vector3d& center, const Eigen::Vector3d& sizeWlh,
                const Eigen::Quaterniond& rotation);

// How many rows of `points` ([N, >=3] float32, x, y, z first) lie in the box, bounds inclusive.
int64_t countPointsInBox(const at::Tensor& points, const Eigen::Vector3d& center,
                         const Eigen::Vector3d& sizeWlh, const Eigen::Quaterniond& rotation);

// The same for a lidar-frame box (a yaw rotation).
int64_t countPointsInBox(const at::Tensor& points, const LidarBox& box);

}  // namespace cpq
