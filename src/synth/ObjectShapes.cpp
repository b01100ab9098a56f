#include "synth/ObjectShapes.h"

#include <algorithm>

#include "synth/SynthRandom.h"

namespace cpq {
namespace {

// A part from its extent along x, y (centred) and z.
ShapePart part(double x0, double x1, double halfY, double z0, double z1, Material m) {
  return {Eigen::Vector3f(static_cast<float>((x0 + x1) / 2), 0.0f, static_cast<float>((z0 + z1) / 2)),
          Eigen::Vector3f(static_cast<float>((x1 - x0) / 2), static_cast<float>(halfY),
                          static_cast<float>((z1 - z0) / 2)),
          m};
}

ShapePart shifted(ShapePart p, double dy) {
  p.centre.y() += static_cast<float>(dy);
  return p;
}

void addWheels(std::vector<ShapePart>& parts, double W, const std::vector<double>& axlesX, double radius) {
  const double m = kAnnotationMargin;
  for (double x : axlesX)
    for (double side : {-1.0, 1.0})
      parts.push_back(shifted(part(x - radius, x + radius, 0.12, m, m + 2 * radius, Material::Tire),
                              side * (W / 2 - m - 0.12)));
}

std::vector<ShapePart> carParts(const ObjectSize& s, SynthRandom& rng) {
  const double m = kAnnotationMargin, L = s.length / 2 - m, W = s.width / 2 - m, h = s.height - m;
  std::vector<ShapePart> parts;
  addWheels(parts, s.width, {L - 0.85, -L + 0.9}, 0.32);
  const double beltline = h * rng.uniform(0.52, 0.62);
  parts.push_back(part(-L, L, W, 0.3, beltline, Material::Paint));
  const double cabinRear = -L + s.length * rng.uniform(0.05, 0.2), cabinFront = L - s.length * 0.3;
  parts.push_back(part(cabinRear, cabinFront, W - 0.08, beltline, h, Material::Window));
  parts.push_back(part(-L, -L + 0.02, 0.25, 0.55, 0.7, Material::Retroreflector));  // rear plate
  return parts;
}

std::vector<ShapePart> truckParts(const ObjectSize& s, SynthRandom& rng) {
  const double m = kAnnotationMargin, L = s.length / 2 - m, W = s.width / 2 - m, h = s.height - m;
  std::vector<ShapePart> parts;
  addWheels(parts, s.width, {L - 1.0, -L + 1.2, -L + 2.5}, 0.45);
  const double cabLength = rng.uniform(1.6, 2.2);
  parts.push_back(part(L - cabLength, L, W, 0.5, 0.62 * h, Material::Paint));
  parts.push_back(part(L - cabLength + 0.2, L - 0.3, W - 0.05, 0.62 * h, std::min(h, 2.9), Material::Window));
  parts.push_back(part(-L, L - cabLength - 0.15, W, 0.95, h, Material::Metal));
  return parts;
}

std::vector<ShapePart> busParts(const ObjectSize& s) {
  const double m = kAnnotationMargin, L = s.length / 2 - m, W = s.width / 2 - m, h = s.height - m;
  std::vector<ShapePart> parts;
  addWheels(parts, s.width, {L - 2.5, -L + 3.0}, 0.5);
  parts.push_back(part(-L, L, W, 0.35, 1.1, Material::Paint));
  parts.push_back(part(-L + 0.05, L - 0.05, W - 0.03, 1.1, h - 0.5, Material::Window));
  parts.push_back(part(-L, L, W, h - 0.5, h, Material::Paint));
  return parts;
}

std::vector<ShapePart> bicycleParts(const ObjectSize& s) {
  const double m = kAnnotationMargin, L = s.length / 2 - m, W = s.width / 2 - m, h = s.height - m;
  const double r = std::min(0.34, L / 2.5);
  std::vector<ShapePart> parts;
  parts.push_back(part(L - 2 * r, L, 0.03, m, m + 2 * r, Material::Tire));
  parts.push_back(part(-L, -L + 2 * r, 0.03, m, m + 2 * r, Material::Tire));
  parts.push_back(part(-L + r, L - r, 0.04, 0.45, 0.95, Material::Metal));
  parts.push_back(part(-0.12, 0.22, std::min(0.16, W), 0.5, 0.98, Material::Clothing));  // legs
  parts.push_back(part(-0.28, 0.12, std::min(0.22, W), 0.98, h - 0.28, Material::Clothing));
  parts.push_back(part(-0.15, 0.07, 0.1, h - 0.28, h, Material::Clothing));  // head, helmet
  return parts;
}

std::vector<ShapePart> pedestrianParts(const ObjectSize& s) {
  const double m = kAnnotationMargin, L = s.length / 2 - m, W = s.width / 2 - m, h = s.height - m;
  std::vector<ShapePart> parts;
  parts.push_back(
      part(-std::min(0.12, L), std::min(0.12, L), std::min(0.17, W), m, 0.47 * h, Material::Clothing));
  parts.push_back(
      part(-std::min(0.14, L), std::min(0.14, L), std::min(0.24, W), 0.47 * h, 0.86 * h, Material::Clothing));
  parts.push_back(part(-0.1, 0.1, 0.09, 0.86 * h, h, Material::Clothing));
  return parts;
}

}  // namespace

const char* objectClassName(ObjectClass c) {
  static const char* names[] = {"car", "truck", "bus", "bicycle", "pedestrian"};
  return names[static_cast<int>(c)];
}

const char* objectCategory(ObjectClass c) {
  static const char* names[] = {"vehicle.car", "vehicle.truck", "vehicle.bus.rigid", "vehicle.bicycle",
                                "human.pedestrian.adult"};
  return names[static_cast<int>(c)];
}

ObjectSize sampleObjectSize(ObjectClass c, SynthRandom& rng) {
  switch (c) {
    case ObjectClass::Car:
      return {rng.normalClamped(4.6, 0.35, 3.6, 5.5), rng.normalClamped(1.92, 0.1, 1.65, 2.15),
              rng.normalClamped(1.65, 0.15, 1.4, 2.1)};
    case ObjectClass::Truck:
      return {rng.uniform(5.5, 10.5), rng.uniform(2.2, 2.6), rng.uniform(2.4, 3.6)};
    case ObjectClass::Bus:
      return {rng.uniform(10.0, 13.0), rng.uniform(2.5, 2.9), rng.uniform(3.0, 3.6)};
    case ObjectClass::Bicycle:
      return {rng.uniform(1.65, 1.9), rng.uniform(0.55, 0.75), rng.uniform(1.6, 1.9)};
    case ObjectClass::Pedestrian:
      return {rng.uniform(0.5, 0.8), rng.uniform(0.55, 0.75), rng.normalClamped(1.72, 0.09, 1.5, 1.95)};
  }
  return {1, 1, 1};
}

std::vector<ShapePart> objectParts(ObjectClass c, const ObjectSize& s, SynthRandom& rng) {
  switch (c) {
    case ObjectClass::Car:
      return carParts(s, rng);
    case ObjectClass::Truck:
      return truckParts(s, rng);
    case ObjectClass::Bus:
      return busParts(s);
    case ObjectClass::Bicycle:
      return bicycleParts(s);
    case ObjectClass::Pedestrian:
      return pedestrianParts(s);
  }
  return {};
}

}  // namespace cpq
