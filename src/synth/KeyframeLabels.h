#pragma once
// The annotations of a keyframe: which actors are annotated (centre within the preset's annotation range of
// the ego), their boxes, attributes, visibility and num_lidar_pts counted as the nuScenes devkit counts it:
// keyframe points moved to the GLOBAL frame, inclusive bounds in the box frame.
//
// Points closer than kSurfaceGuard to any annotation box face are dropped from the keyframe (as if lost),
// so that a recount in another frame or precision (float lidar frame, double global frame) cannot flip a
// point across a face: every count is the same whoever recounts it.
#include <string>
#include <vector>

#include "synth/SynthWorld.h"

namespace cpq {

constexpr double kSurfaceGuard = 0.01;  // m

struct AnnotatedObject {
  int actor = 0;
  ObjectClass cls = ObjectClass::Car;
  ObjectSize size{1, 1, 1};
  ActorState state;
  std::string attribute;
  int numLidarPts = 0;
  int aloneRays = 0, visibleRays = 0;  // occlusion: rays reaching it alone / as first surface
  double distance = 0;                 // xy distance from the ego
  int visibilityLevel = 4;             // nuScenes visibility token 1..4 from visibleRays / aloneRays
};

struct LabeledKeyframe {
  std::vector<float> rows;  // x, y, z, intensity, ring in the stored frame, guard points removed
  std::vector<int> owners;
  std::vector<AnnotatedObject> objects;
};

std::string objectAttribute(ObjectClass cls, Motion motion);

// frame must have been rendered with countRays. storedToLidar moves the scan into the stored frame (identity
// for nuScenes' LIDAR_TOP, the mounting for T4's base_link points); storedToGlobal moves it on to global.
LabeledKeyframe labelKeyframe(const SynthScene& scene, const FrameRender& frame,
                              const RigidPose& lidarToStored, const RigidPose& storedToGlobal,
                              double annotationRange);

}  // namespace cpq
