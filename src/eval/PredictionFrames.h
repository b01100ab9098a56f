#pragma once
// Moving boxes between the keyframe's lidar frame (where the model predicts and the range-bucketed metric
// measures) and the global frame (where nuScenes results and annotations live), as mmdet3d's
// output_to_nusc_box + lidar_nusc_box_to_global do: centre and orientation through calibrated_sensor then
// ego_pose, velocity rotated only.
#include <string>

#include "dataset/Sample.h"
#include "decode/Detection.h"
#include "eval/EvalBox.h"

namespace cpq {

// A detection as a nuScenes results box: global centre, (w, l, h), global quaternion, global velocity,
// the class name given, its score and mmdet3d's default attribute.
EvalBox detectionToGlobal(const Detection& det, const std::string& className, const SampleInfo& sample);

// A global-frame box (prediction or GT) moved into the sample's lidar frame; everything else is kept.
EvalBox globalToLidar(const EvalBox& box, const SampleInfo& sample);

// The lidar-frame yaw-only rotation of a yaw angle, as a (w, x, y, z) quaternion.
std::array<double, 4> yawQuaternion(double yaw);

}  // namespace cpq
