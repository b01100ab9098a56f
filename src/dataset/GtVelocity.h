#pragma once
// Ground-truth box velocity (global frame): T4 stores it on the annotation; for nuScenes it is estimated as
// the devkit's NuScenes.box_velocity does (docs/dataset.md, 'Frames and transforms').
#include <Eigen/Core>

#include <cstdint>

#include "dataset/NuScenesTables.h"

namespace cpq {

// One annotation of a track: its global centre and its sample's timestamp (microseconds).
struct TrackPoint {
  Eigen::Vector3d translation = Eigen::Vector3d::Zero();
  int64_t timestamp = 0;
};

// The devkit's box_velocity: (last - first) / dt with first = prev (or the current annotation when there is
// none) and last = next (or the current one). NaN when neither neighbour exists or when dt exceeds
// maxTimeDiff (doubled for a centred difference, where both neighbours exist). `prev` / `next` may be null.
Eigen::Vector3d devkitBoxVelocity(const TrackPoint* prev, const TrackPoint& current, const TrackPoint* next,
                                  double maxTimeDiff = 1.5);

// The velocity (vx, vy) of annotation row `ann`: the stored `velocity` field when its x and y are finite,
// otherwise devkitBoxVelocity over the instance's prev / next annotations.
Eigen::Vector2d annotationVelocity(const NuScenesTables& tables, uint32_t ann);

}  // namespace cpq
