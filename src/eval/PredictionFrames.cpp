#include "eval/PredictionFrames.h"

#include <cmath>

#include "eval/AttributePrediction.h"

namespace cpq {
namespace {

Eigen::Quaterniond toEigen(const std::array<double, 4>& wxyz) {
  return Eigen::Quaterniond(wxyz[0], wxyz[1], wxyz[2], wxyz[3]);
}

std::array<double, 4> fromEigen(const Eigen::Quaterniond& q) { return {q.w(), q.x(), q.y(), q.z()}; }

std::array<double, 3> fromEigen(const Eigen::Vector3d& v) { return {v.x(), v.y(), v.z()}; }

// Rotates a BEV velocity; NaN stays NaN (unknown GT velocity).
std::array<double, 2> rotateVelocity(const Eigen::Quaterniond& q, const std::array<double, 2>& v) {
  if (std::isnan(v[0]) || std::isnan(v[1])) return v;
  const Eigen::Vector3d r = q * Eigen::Vector3d(v[0], v[1], 0.0);
  return {r.x(), r.y()};
}

}  // namespace

std::array<double, 4> yawQuaternion(double yaw) { return {std::cos(yaw / 2), 0.0, 0.0, std::sin(yaw / 2)}; }

EvalBox detectionToGlobal(const Detection& det, const std::string& className, const SampleInfo& sample) {
  const RigidPose lidarToGlobal = sample.egoToGlobal * sample.lidarToEgo;
  EvalBox box;
  box.sampleToken = sample.token;
  box.translation = fromEigen(lidarToGlobal.apply(Eigen::Vector3d(det.x, det.y, det.z)));
  box.size = {det.w, det.l, det.h};
  box.rotation = fromEigen(lidarToGlobal.rotation * toEigen(yawQuaternion(det.yaw)));
  box.velocity = rotateVelocity(lidarToGlobal.rotation, {det.vx, det.vy});
  box.detectionName = className;
  box.detectionScore = det.score;
  box.attributeName = defaultAttribute(className, box.velocity[0], box.velocity[1]);
  return box;
}

EvalBox globalToLidar(const EvalBox& box, const SampleInfo& sample) {
  const RigidPose globalToLidarPose = (sample.egoToGlobal * sample.lidarToEgo).inverse();
  EvalBox out = box;
  const Eigen::Vector3d c(box.translation[0], box.translation[1], box.translation[2]);
  out.translation = fromEigen(globalToLidarPose.apply(c));
  out.rotation = fromEigen(globalToLidarPose.rotation * toEigen(box.rotation));
  out.velocity = rotateVelocity(globalToLidarPose.rotation, box.velocity);
  return out;
}

}  // namespace cpq
