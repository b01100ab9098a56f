#include "synth/SynthWorld.h"
#include "synth/SynthMath.h"

#include <cmath>

namespace cpq {

Eigen::Quaterniond axisRotation(int axis, double angle) {
  Eigen::Quaterniond q(synthmath::cos(angle / 2), 0, 0, 0);
  q.coeffs()[axis] = synthmath::sin(angle / 2);  // coeffs() is x, y, z, w
  return q;
}

RigidPose lidarMounting(const SynthPreset& preset) {
  RigidPose p;
  p.translation = Eigen::Vector3d(0.943, 0.0, std::round(preset.sensorHeight * 1000.0) / 1000.0);  // mm
  const double deg = M_PI / 180.0;
  p.rotation = axisRotation(2, 0.6 * deg) * axisRotation(1, 0.35 * deg) * axisRotation(0, -0.2 * deg);
  return p;
}

namespace {

CastBox castBox(const Eigen::Vector3d& centre, double yaw, const Eigen::Vector3f& half, int owner, Material m,
                const Eigen::Vector3d& origin) {
  CastBox b;
  b.centre = (centre - origin).cast<float>();
  b.half = half;
  b.cosYaw = static_cast<float>(synthmath::cos(yaw));
  b.sinYaw = static_cast<float>(synthmath::sin(yaw));
  b.owner = owner;
  b.material = m;
  return b;
}

}  // namespace

std::vector<CastBox> frameBoxes(const SynthScene& sc, double t, const Eigen::Vector3d& origin) {
  std::vector<CastBox> boxes;
  const int numActors = static_cast<int>(sc.actors.size());
  for (int i = 0; i < numActors; ++i) {
    const Actor& a = sc.actors[i];
    const ActorState st = sc.actorState(a, t);
    const double c = synthmath::cos(st.yaw), s = synthmath::sin(st.yaw);
    const Eigen::Vector3d bottom = st.centre - Eigen::Vector3d(0, 0, a.size.height / 2);
    const Eigen::Vector3f halfSize(static_cast<float>(a.size.length / 2),
                                   static_cast<float>(a.size.width / 2),
                                   static_cast<float>(a.size.height / 2));
    boxes.push_back(castBox(st.centre, st.yaw, halfSize, i, Material::Paint, origin));
    boxes.back().parts = static_cast<int>(a.parts.size());
    for (const ShapePart& p : a.parts) {
      const Eigen::Vector3d off = p.centre.cast<double>();
      const Eigen::Vector3d centre =
          bottom + Eigen::Vector3d(c * off.x() - s * off.y(), s * off.x() + c * off.y(), off.z());
      boxes.push_back(castBox(centre, st.yaw, p.half, i, p.material, origin));
    }
  }
  for (size_t k = 0; k < sc.statics.size(); ++k) {
    const StaticItem& it = sc.statics[k];
    boxes.push_back(
        castBox(it.centre, it.yaw, it.half, numActors + static_cast<int>(k), it.material, origin));
  }
  return boxes;
}

FrameRender renderFrame(const SynthScene& sc, const LidarRayCaster& caster, const RigidPose& lidarToEgo,
                        double t, SynthRandom& rng, bool countRays) {
  FrameRender f;
  f.time = t;
  f.egoToGlobal = sc.egoPose(t);
  const RigidPose lidarToGlobal = f.egoToGlobal * lidarToEgo;
  const std::vector<CastBox> boxes = frameBoxes(sc, t, lidarToGlobal.translation);
  f.counts.countedOwners = countRays ? static_cast<int>(sc.actors.size()) : 0;
  f.scan = caster.cast(boxes, lidarToGlobal.rotation.toRotationMatrix(), lidarToGlobal.translation, sc, rng,
                       countRays ? &f.counts : nullptr);
  return f;
}

}  // namespace cpq
