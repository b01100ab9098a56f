#pragma once
// The content of one synthetic scene: the street, the ego's drive along it, the annotated road users
// (actors) and the static clutter (buildings, walls, poles, trees) and distractors (bollards, bins,
// cabinets, hedges) that no detector class covers. Everything is in the global frame; time t is seconds
// from the scene's first keyframe.
#include <Eigen/Geometry>

#include <string>
#include <vector>

#include "dataset/Sample.h"
#include "synth/ObjectShapes.h"
#include "synth/RoadGeometry.h"
#include "synth/SynthPreset.h"

namespace cpq {

class SynthRandom;

enum class Motion { Parked, Stopped, Moving };

struct Actor {
  ObjectClass cls = ObjectClass::Car;
  ObjectSize size{1, 1, 1};
  std::vector<ShapePart> parts;
  // On the road: s(t) = s0 + speed * t at lateral offset d, heading = road heading + yawOffset.
  // Off the road (lots, standing pedestrians): fixed at xy with yaw when fixedPlace.
  bool fixedPlace = false;
  double s0 = 0, d = 0, speed = 0, yawOffset = 0;
  Eigen::Vector2d xy{0, 0};
  double yaw = 0;
  Motion motion = Motion::Parked;
};

struct ActorState {
  Eigen::Vector3d centre;  // box centre (global)
  double yaw = 0;
  Eigen::Vector3d velocity, acceleration;
};

enum class StaticKind { Building, Wall, Pole, Trunk, Canopy, Bush, Bollard, Bin, Cabinet, Hedge };

struct StaticItem {
  StaticKind kind;
  Eigen::Vector3d centre;  // global
  double yaw = 0;
  Eigen::Vector3f half;
  Material material;
  bool distractor = false;  // of class-like size (bollard, bin, cabinet, hedge)
};

struct SynthScene {
  RoadGeometry road;
  GroundSurface ground;
  StreetLayout street;
  double egoSpeed = 0, egoD = 0;
  // The stretch of road [spanLo, spanHi] (arc length s) that the generator populates, and how far from the
  // road the world content reaches (maxRange + worldMargin): the extent of the scene's map mask.
  double spanLo = 0, spanHi = 0, reach = 0;
  std::vector<Actor> actors;
  std::vector<StaticItem> statics;

  ActorState actorState(const Actor& a, double t) const;
  RigidPose egoPose(double t) const;  // ego -> global
};

// A scene for keyframes at t = 0, 0.5, ... (frames - 1) * 0.5 and sweeps up to 0.5 s before the first.
SynthScene generateScene(const SynthPreset& preset, int frames, SynthRandom& rng);

}  // namespace cpq
