#include "synth/SceneObjects.h"

#include <algorithm>
#include <cmath>

#include "synth/SynthRandom.h"

namespace cpq {
namespace {

constexpr double kKeyframePeriod = 0.5;

// The stretch of road whose content can be seen during the scene, with room for moving actors to drive in.
struct RoadSpan {
  double lo, hi;
};

Actor makeActor(ObjectClass cls, SynthRandom& rng) {
  Actor a;
  a.cls = cls;
  a.size = sampleObjectSize(cls, rng);
  a.parts = objectParts(cls, a.size, rng);
  return a;
}

Actor roadActor(ObjectClass cls, double s0, double d, double speed, bool facesForward, Motion motion,
                SynthRandom& rng) {
  Actor a = makeActor(cls, rng);
  a.s0 = s0;
  a.d = d;
  a.speed = speed;
  a.yawOffset = facesForward ? 0.0 : M_PI;
  a.motion = motion;
  return a;
}

ObjectClass laneVehicleClass(SynthRandom& rng) {
  const double u = rng.uniform();
  return u < 0.5 ? ObjectClass::Car : u < 0.76 ? ObjectClass::Truck : ObjectClass::Bus;
}

// Vehicles in one travel lane share the lane's speed, so they never run into each other. side +1 is the
// right-hand side (driving towards +s).
void addLaneTraffic(SynthScene& sc, const RoadSpan& span, double d, double speed, double duration,
                    bool egoLane, SynthRandom& rng) {
  const bool forward = d < 0;
  const double v = forward ? speed : -speed;
  const double reach = std::abs(v) * duration + 15.0;
  const bool stopped = speed == 0;
  double s = span.lo - reach + rng.uniform(0, 10);
  while (s < span.hi + reach) {
    Actor a =
        roadActor(laneVehicleClass(rng), 0, d, v, forward, stopped ? Motion::Stopped : Motion::Moving, rng);
    const double half = a.size.length / 2;
    a.s0 = s + half;
    const bool clearOfEgo = !egoLane || std::abs(a.s0) > half + 6.0;
    if (clearOfEgo) sc.actors.push_back(a);
    s += a.size.length + (stopped ? rng.uniform(2.0, 8.0) : rng.uniform(15.0, 60.0));
  }
}

void addBikeLane(SynthScene& sc, const RoadSpan& span, double d, double duration, SynthRandom& rng) {
  const bool forward = d < 0;
  const double speed = rng.chance(0.15) ? 0.0 : rng.uniform(3.0, 7.0);
  const double v = forward ? speed : -speed;
  const double reach = std::abs(v) * duration + 5.0;
  double s = span.lo - reach + rng.uniform(0, 20);
  while (s < span.hi + reach) {
    Actor a =
        roadActor(ObjectClass::Bicycle, s, d, v, forward, speed == 0 ? Motion::Stopped : Motion::Moving, rng);
    sc.actors.push_back(a);
    s += a.size.length + rng.uniform(12.0, 50.0);
  }
}

// Parallel parking by the curb: gaps for driveways and hydrants, some delivery trucks.
void addParkingLane(SynthScene& sc, const RoadSpan& span, double d, SynthRandom& rng) {
  const bool forward = d < 0;
  double s = span.lo;
  while (s < span.hi) {
    if (rng.chance(0.6)) {
      s += rng.uniform(5.0, 16.0);
      continue;
    }
    const double u = rng.uniform();  // a bus at a stop, a delivery truck, or a car
    const ObjectClass cls = u < 0.07 ? ObjectClass::Bus : u < 0.3 ? ObjectClass::Truck : ObjectClass::Car;
    const Motion motion = cls == ObjectClass::Bus ? Motion::Stopped : Motion::Parked;
    Actor a = roadActor(cls, 0, d + rng.normal(0, 0.1), 0, forward, motion, rng);
    a.s0 = s + a.size.length / 2;
    a.yawOffset += rng.normal(0, 0.03);
    sc.actors.push_back(a);
    s += a.size.length + rng.uniform(0.8, 3.0);
  }
}

// Pedestrians in small groups on the walking zone; a group walks together or stands.
void addSidewalkPedestrians(SynthScene& sc, const RoadSpan& span, double side, double duration,
                            SynthRandom& rng) {
  const double zoneIn = sc.street.curb() + 1.3, zoneOut = sc.street.frontage() - 0.4;
  const double reach = 1.6 * duration + 5.0;
  double s = span.lo - reach + rng.uniform(0, 5);
  while (s < span.hi + reach) {
    const int members = rng.chance(0.6) ? 1 : rng.chance(0.7) ? 2 : 3;
    const bool walking = rng.chance(0.6);
    double speed = 0.0;
    if (walking) {
      const double pace = rng.uniform(0.8, 1.6);
      speed = rng.chance(0.5) ? pace : -pace;
    }
    const double first = rng.uniform(zoneIn, zoneOut - 0.85 * (members - 1));
    for (int k = 0; k < members; ++k) {
      Actor a = roadActor(ObjectClass::Pedestrian, s + rng.normal(0, 0.3), side * (first + 0.85 * k), speed,
                          speed >= 0, walking ? Motion::Moving : Motion::Stopped, rng);
      if (!walking) a.yawOffset = rng.uniform(-M_PI, M_PI);
      sc.actors.push_back(a);
    }
    s += rng.uniform(8.0, 32.0);
  }
}

StaticItem staticAt(const SynthScene& sc, StaticKind kind, double s, double d, double yawOffset, double l,
                    double w, double h, double zBase, Material m, bool distractor) {
  StaticItem it;
  it.kind = kind;
  const Eigen::Vector2d xy = sc.road.point(s, d);
  it.centre = Eigen::Vector3d(xy.x(), xy.y(), sc.ground.planeHeight(xy.x(), xy.y()) + zBase + h / 2);
  it.yaw = sc.road.heading(s) + yawOffset;
  it.half = Eigen::Vector3f(static_cast<float>(l / 2), static_cast<float>(w / 2), static_cast<float>(h / 2));
  it.material = m;
  it.distractor = distractor;
  return it;
}

// Poles, trees, bollards, bins and cabinets in the strip by the curb.
void addStreetFurniture(SynthScene& sc, const RoadSpan& span, double side, SynthRandom& rng) {
  const double strip = sc.street.curb() + 0.5;
  for (double s = span.lo + rng.uniform(0, 20); s < span.hi; s += rng.uniform(15.0, 30.0))
    sc.statics.push_back(staticAt(sc, StaticKind::Pole, s, side * strip, 0, 0.22, 0.22, rng.uniform(6.0, 9.0),
                                  0, Material::Metal, false));
  for (double s = span.lo + rng.uniform(0, 10); s < span.hi; s += rng.uniform(7.0, 16.0)) {
    if (!rng.chance(0.55)) continue;
    const double crown = rng.uniform(2.5, 5.0), trunkH = rng.uniform(2.3, 3.2);
    sc.statics.push_back(staticAt(sc, StaticKind::Trunk, s, side * strip, 0, 0.3, 0.3, trunkH + 0.5, 0,
                                  Material::Concrete, false));  // bark: solid, mid-reflective
    const double canopyYaw = rng.uniform(0, M_PI), canopyHeight = rng.uniform(2.5, 4.5);
    sc.statics.push_back(staticAt(sc, StaticKind::Canopy, s, side * strip, canopyYaw, crown, crown,
                                  canopyHeight, trunkH, Material::Foliage, false));
  }
  for (double s = span.lo + rng.uniform(0, 8); s < span.hi; s += rng.uniform(5.0, 18.0)) {
    const double u = rng.uniform(), d = side * (strip + rng.uniform(-0.25, 0.25));
    // Named draws, not draws inside the call's arguments (see generateScene).
    const double a = rng.uniform(), b = rng.uniform();
    if (u < 0.35)
      sc.statics.push_back(
          staticAt(sc, StaticKind::Bollard, s, d, 0, 0.22, 0.22, 0.8 + 0.3 * a, 0, Material::Metal, true));
    else if (u < 0.65)
      sc.statics.push_back(staticAt(sc, StaticKind::Bin, s, d, M_PI * a, 0.6, 0.6, 1.0 + 0.25 * b, 0,
                                    Material::Plastic, true));
    else if (u < 0.85)
      sc.statics.push_back(staticAt(sc, StaticKind::Cabinet, s, d, 0, 0.8 + 0.5 * a, 0.5, 1.2 + 0.4 * b, 0,
                                    Material::Metal, true));
    else
      sc.statics.push_back(
          staticAt(sc, StaticKind::Bush, s, d, 0, 1.0, 0.8, 0.7 + 0.6 * a, 0, Material::Foliage, false));
  }
}

// A row of cars parked perpendicular to the street in a lot behind the sidewalk.
void addParkingLot(SynthScene& sc, double sFrom, double sTo, double side, SynthRandom& rng) {
  const double d = side * (sc.street.frontage() + 4.0);
  for (double s = sFrom + 1.5; s + 1.5 < sTo; s += 2.7) {
    if (!rng.chance(0.5)) continue;
    Actor a = makeActor(rng.chance(0.1) ? ObjectClass::Truck : ObjectClass::Car, rng);
    if (a.size.length > 6.0) a = makeActor(ObjectClass::Car, rng);
    a.fixedPlace = true;
    a.xy = sc.road.point(s, d + rng.normal(0, 0.2));
    const double facing = rng.chance(0.5) ? M_PI / 2 : -M_PI / 2;
    a.yaw = sc.road.heading(s) + facing + rng.normal(0, 0.05);
    a.motion = Motion::Parked;
    sc.actors.push_back(a);
  }
}

// Buildings, yards (a hedge in front, a wall behind) and parking lots along the frontage.
void addFrontage(SynthScene& sc, const RoadSpan& span, double side, SynthRandom& rng) {
  const double front = sc.street.frontage();
  double s = span.lo;
  while (s < span.hi) {
    const double length = rng.uniform(10.0, 40.0), u = rng.uniform();
    const double mid = s + length / 2;
    if (rng.chance(0.5)) {  // a taller building of the next block, seen above the first row
      const double depth = rng.uniform(10.0, 25.0), offset = rng.uniform(28.0, 40.0);
      const double height = rng.uniform(12.0, 40.0);
      sc.statics.push_back(staticAt(sc, StaticKind::Building, mid, side * (front + offset), 0, length - 2.0,
                                    depth, height, 0, Material::Concrete, false));
    }
    if (u < 0.68) {
      const double setback = rng.uniform(0.5, 6.0), depth = rng.uniform(8.0, 20.0);
      const Material m = rng.chance(0.3) ? Material::Glass : Material::Concrete;
      const double gap = rng.uniform(0.5, 4.0), height = rng.uniform(4.0, 22.0);
      sc.statics.push_back(staticAt(sc, StaticKind::Building, mid, side * (front + setback + depth / 2), 0,
                                    length - gap, depth, height, 0, m, false));
    } else if (u < 0.8) {
      addParkingLot(sc, s, s + length, side, rng);
    } else {
      const double hedgeWidth = rng.uniform(0.8, 1.2), hedgeHeight = rng.uniform(1.0, 1.6);
      sc.statics.push_back(staticAt(sc, StaticKind::Hedge, mid, side * (front + 0.8), 0, length - 2.0,
                                    hedgeWidth, hedgeHeight, 0, Material::Foliage, true));
      sc.statics.push_back(staticAt(sc, StaticKind::Wall, mid, side * (front + 12.0), 0, length, 0.25,
                                    rng.uniform(1.5, 2.5), 0, Material::Concrete, false));
    }
    s += length;
  }
}

}  // namespace

ActorState SynthScene::actorState(const Actor& a, double t) const {
  ActorState st;
  Eigen::Vector2d xy = a.xy, v(0, 0), acc(0, 0);
  double yaw = a.yaw;
  if (!a.fixedPlace) {
    const double s = a.s0 + a.speed * t;
    xy = road.point(s, a.d);
    yaw = road.heading(s) + a.yawOffset;
    v = road.velocity(s, a.d, a.speed);
    acc = road.acceleration(s, a.d, a.speed);
  }
  // Boxes sit on the ground plane (the small bumps are below the parts' margin), so vz follows the slope.
  st.centre = Eigen::Vector3d(xy.x(), xy.y(), ground.planeHeight(xy.x(), xy.y()) + a.size.height / 2);
  st.yaw = std::remainder(yaw, 2 * M_PI);
  st.velocity = Eigen::Vector3d(v.x(), v.y(), ground.slope.dot(v));
  st.acceleration = Eigen::Vector3d(acc.x(), acc.y(), ground.slope.dot(acc));
  return st;
}

RigidPose SynthScene::egoPose(double t) const {
  const double s = egoSpeed * t;
  const Eigen::Vector2d xy = road.point(s, egoD);
  RigidPose p;
  p.translation = Eigen::Vector3d(xy.x(), xy.y(), ground.planeHeight(xy.x(), xy.y()));
  p.rotation = groundAlignedRotation(ground, road.heading(s));
  return p;
}

SynthScene generateScene(const SynthPreset& preset, int frames, SynthRandom& rng) {
  SynthScene sc;
  // One draw per statement wherever two would share an expression: C++ leaves the order of evaluation of
  // function arguments and of + operands unspecified, and every compiler must build the same world.
  const double originX = rng.uniform(-2000, 2000), originY = rng.uniform(-2000, 2000);
  sc.road.origin = Eigen::Vector2d(originX, originY);
  sc.road.heading0 = rng.uniform(-M_PI, M_PI);
  sc.road.curvature = rng.chance(0.4) ? 0.0 : rng.uniform(-1.0 / 250, 1.0 / 250);
  sc.ground.anchor = Eigen::Vector3d(sc.road.origin.x(), sc.road.origin.y(), rng.uniform(0, 30));
  const double grade = rng.uniform(-0.03, 0.03), cross = rng.uniform(-0.01, 0.01);
  const Eigen::Vector2d t = sc.road.tangent(0), n = sc.road.normal(0);
  sc.ground.slope = grade * t + cross * n;
  sc.street.lanesPerDirection = rng.chance(0.5) ? 1 : 2;
  const int egoLane = rng.index(sc.street.lanesPerDirection);
  sc.egoD = -sc.street.travelLaneCentre(egoLane);
  sc.egoSpeed = rng.chance(0.2) ? 0.0 : rng.uniform(4.0, 12.0);

  const double duration = (frames - 1) * kKeyframePeriod + kKeyframePeriod;
  const double reach = preset.maxRange + preset.worldMargin;
  const RoadSpan span{-reach - kKeyframePeriod * sc.egoSpeed, sc.egoSpeed * duration + reach};
  sc.spanLo = span.lo;
  sc.spanHi = span.hi;
  sc.reach = reach;
  for (double side : {-1.0, 1.0}) {
    for (int lane = 0; lane < sc.street.lanesPerDirection; ++lane) {
      const double d = side * sc.street.travelLaneCentre(lane);
      const bool isEgoLane = side < 0 && lane == egoLane;
      const double speed = isEgoLane ? sc.egoSpeed : rng.chance(0.15) ? 0.0 : rng.uniform(4.0, 14.0);
      addLaneTraffic(sc, span, d, speed, duration, isEgoLane, rng);
    }
    addBikeLane(sc, span, side * sc.street.bikeLaneCentre(), duration, rng);
    addParkingLane(sc, span, side * sc.street.parkingLaneCentre(), rng);
    addSidewalkPedestrians(sc, span, side, duration, rng);
    addStreetFurniture(sc, span, side, rng);
    addFrontage(sc, span, side, rng);
  }
  return sc;
}

}  // namespace cpq
