#pragma once
// One lidar frame of a scene: the boxes of every actor part and static item at time t, placed relative to
// the sensor, and the ray-cast scan of them.
#include <vector>

#include "dataset/Sample.h"
#include "synth/LidarRayCaster.h"
#include "synth/SceneObjects.h"

namespace cpq {

// A rotation by angle about axis 0 (x), 1 (y) or 2 (z), from the portable sin/cos (SynthMath.h).
Eigen::Quaterniond axisRotation(int axis, double angle);

// LIDAR_TOP -> ego: above the rear-axle origin, a little forward, with a small mounting error (tenths of a
// degree), so that the lidar frame differs from the ego frame and readers must apply the transform.
RigidPose lidarMounting(const SynthPreset& preset);

// Owners: actors are 0 .. actors-1, static items follow (actors + index).
std::vector<CastBox> frameBoxes(const SynthScene& scene, double t, const Eigen::Vector3d& sensorOrigin);

struct FrameRender {
  double time = 0;
  RigidPose egoToGlobal;
  LidarScan scan;    // sensor frame
  RayCounts counts;  // per actor when counted
};

FrameRender renderFrame(const SynthScene& scene, const LidarRayCaster& caster, const RigidPose& lidarToEgo,
                        double t, SynthRandom& rng, bool countRays);

}  // namespace cpq
