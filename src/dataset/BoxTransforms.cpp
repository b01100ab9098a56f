#include "dataset/BoxTransforms.h"

#include <cmath>
#include <stdexcept>

namespace cpq {

double yawOf(const Eigen::Quaterniond& rotation) {
  const Eigen::Matrix3d r = rotation.normalized().toRotationMatrix();
  return std::atan2(r(1, 0), r(0, 0));
}

namespace {

// lidar -> global as one pose: egoToGlobal * lidarToEgo.
RigidPose lidarToGlobalPose(const RigidPose& lidarToEgo, const RigidPose& egoToGlobal) {
  return egoToGlobal * lidarToEgo;
}

Eigen::Quaterniond yawRotation(double yaw) {
  return Eigen::Quaterniond(Eigen::AngleAxisd(yaw, Eigen::Vector3d::UnitZ()));
}

}  // namespace

LidarBox globalToLidar(const GtBox& box, const RigidPose& lidarToEgo, const RigidPose& egoToGlobal) {
  const RigidPose globalToLidar = lidarToGlobalPose(lidarToEgo, egoToGlobal).inverse();
  LidarBox out;
  out.center = globalToLidar.apply(box.center);
  out.yaw = yawOf(globalToLidar.rotation * box.rotation);
  out.width = box.size.x();
  out.length = box.size.y();
  out.height = box.size.z();
  const Eigen::Vector3d v = globalToLidar.rotation * Eigen::Vector3d(box.velocity.x(), box.velocity.y(), 0.0);
  out.velocity = v.head<2>();
  return out;
}

GlobalBox lidarToGlobal(const LidarBox& box, const RigidPose& lidarToEgo, const RigidPose& egoToGlobal) {
  const RigidPose toGlobal = lidarToGlobalPose(lidarToEgo, egoToGlobal);
  GlobalBox out;
  out.translation = toGlobal.apply(box.center);
  out.size = Eigen::Vector3d(box.width, box.length, box.height);
  out.rotation = (toGlobal.rotation * yawRotation(box.yaw)).normalized();
  const Eigen::Vector3d v = toGlobal.rotation * Eigen::Vector3d(box.velocity.x(), box.velocity.y(), 0.0);
  out.velocity = v.head<2>();
  return out;
}

bool pointInBox(const Eigen::Vector3d& p, const Eigen::Vector3d& center, const Eigen::Vector3d& sizeWlh,
                const Eigen::Quaterniond& rotation) {
  const Eigen::Vector3d local = rotation.normalized().conjugate() * (p - center);
  return std::abs(local.x()) <= sizeWlh.y() / 2 && std::abs(local.y()) <= sizeWlh.x() / 2 &&
         std::abs(local.z()) <= sizeWlh.z() / 2;
}

int64_t countPointsInBox(const at::Tensor& points, const Eigen::Vector3d& center,
                         const Eigen::Vector3d& sizeWlh, const Eigen::Quaterniond& rotation) {
  if (points.dim() != 2 || points.size(1) < 3 || points.scalar_type() != at::kFloat) {
    throw std::invalid_argument("countPointsInBox: points must be [N, >=3] float32");
  }
  const at::Tensor rows = points.contiguous();
  const float* data = rows.data_ptr<float>();
  const int64_t stride = rows.size(1);
  int64_t count = 0;
  for (int64_t i = 0; i < rows.size(0); ++i) {
    const float* p = data + i * stride;
    count += pointInBox(Eigen::Vector3d(p[0], p[1], p[2]), center, sizeWlh, rotation) ? 1 : 0;
  }
  return count;
}

int64_t countPointsInBox(const at::Tensor& points, const LidarBox& box) {
  return countPointsInBox(points, box.center, Eigen::Vector3d(box.width, box.length, box.height),
                          yawRotation(box.yaw));
}

}  // namespace cpq
