#include "synth/KeyframeLabels.h"
#include "synth/SynthMath.h"

#include <algorithm>
#include <cmath>

namespace cpq {
namespace {

struct BoxFrame {
  Eigen::Vector3d centre;
  double c, s, hl, hw, hh, reach2;
};

BoxFrame boxFrame(const AnnotatedObject& o) {
  BoxFrame b;
  b.centre = o.state.centre;
  b.c = synthmath::cos(o.state.yaw);
  b.s = synthmath::sin(o.state.yaw);
  b.hl = o.size.length / 2;
  b.hw = o.size.width / 2;
  b.hh = o.size.height / 2;
  b.reach2 = b.hl * b.hl + b.hw * b.hw + 0.1;
  return b;
}

// Signed distance-like margin: <= 0 inside (inclusive bounds), > 0 outside; its magnitude is the distance
// to the nearest face for points near the box.
double faceMargin(const BoxFrame& b, const Eigen::Vector3d& p) {
  const Eigen::Vector3d d = p - b.centre;
  const double lx = b.c * d.x() + b.s * d.y(), ly = -b.s * d.x() + b.c * d.y();
  return std::max({std::abs(lx) - b.hl, std::abs(ly) - b.hw, std::abs(d.z()) - b.hh});
}

int visibilityLevel(int visible, int alone) {
  if (alone == 0) return 1;
  const double v = static_cast<double>(visible) / alone;
  return v < 0.4 ? 1 : v < 0.6 ? 2 : v < 0.8 ? 3 : 4;
}

std::vector<AnnotatedObject> annotatedObjects(const SynthScene& sc, const FrameRender& f, double range) {
  std::vector<AnnotatedObject> out;
  const Eigen::Vector3d ego = f.egoToGlobal.translation;
  for (size_t i = 0; i < sc.actors.size(); ++i) {
    const Actor& a = sc.actors[i];
    AnnotatedObject o;
    o.state = sc.actorState(a, f.time);
    o.distance = synthmath::hypot(o.state.centre.x() - ego.x(), o.state.centre.y() - ego.y());
    if (o.distance > range) continue;
    o.actor = static_cast<int>(i);
    o.cls = a.cls;
    o.size = a.size;
    o.attribute = objectAttribute(a.cls, a.motion);
    o.aloneRays = f.counts.alone[i];
    o.visibleRays = f.counts.visible[i];
    o.visibilityLevel = visibilityLevel(o.visibleRays, o.aloneRays);
    out.push_back(o);
  }
  return out;
}

}  // namespace

std::string objectAttribute(ObjectClass cls, Motion motion) {
  switch (cls) {
    case ObjectClass::Bicycle:
      return "cycle.with_rider";
    case ObjectClass::Pedestrian:
      return motion == Motion::Moving ? "pedestrian.moving" : "pedestrian.standing";
    default:
      return motion == Motion::Moving    ? "vehicle.moving"
             : motion == Motion::Stopped ? "vehicle.stopped"
                                         : "vehicle.parked";
  }
}

LabeledKeyframe labelKeyframe(const SynthScene& sc, const FrameRender& f, const RigidPose& lidarToStored,
                              const RigidPose& storedToGlobal, double annotationRange) {
  LabeledKeyframe out;
  out.objects = annotatedObjects(sc, f, annotationRange);
  std::vector<BoxFrame> boxes;
  for (const AnnotatedObject& o : out.objects) boxes.push_back(boxFrame(o));
  const size_t n = f.scan.owners.size();
  out.rows.reserve(f.scan.rows.size());
  out.owners.reserve(n);
  std::vector<int> inside;
  const Eigen::Matrix3d toStored = lidarToStored.rotation.toRotationMatrix();
  const Eigen::Matrix3d toGlobal = storedToGlobal.rotation.toRotationMatrix();
  for (size_t i = 0; i < n; ++i) {
    const float* r = &f.scan.rows[5 * i];
    const Eigen::Vector3f stored =
        (toStored * Eigen::Vector3d(r[0], r[1], r[2]) + lidarToStored.translation).cast<float>();
    const Eigen::Vector3d g = toGlobal * stored.cast<double>() + storedToGlobal.translation;
    bool nearFace = false;
    inside.clear();
    for (size_t k = 0; k < boxes.size() && !nearFace; ++k) {
      const double dx = g.x() - boxes[k].centre.x(), dy = g.y() - boxes[k].centre.y();
      if (dx * dx + dy * dy > boxes[k].reach2) continue;
      const double m = faceMargin(boxes[k], g);
      nearFace = std::abs(m) < kSurfaceGuard;
      if (m <= 0) inside.push_back(static_cast<int>(k));
    }
    if (nearFace) continue;
    for (int k : inside) ++out.objects[k].numLidarPts;
    out.rows.insert(out.rows.end(), {stored.x(), stored.y(), stored.z(), r[3], r[4]});
    out.owners.push_back(f.scan.owners[i]);
  }
  return out;
}

}  // namespace cpq
