#pragma once
// The five detection classes of AWML and the box parts each is rendered from (body, cabin, wheels, rider,
// head...). Every part lies inside the annotation box shrunk by kAnnotationMargin, as a human annotator
// draws the box a few centimetres outside the object.
#include <Eigen/Core>

#include <array>
#include <string>
#include <vector>

#include "synth/SynthMaterial.h"

namespace cpq {

class SynthRandom;

enum class ObjectClass : int { Car = 0, Truck, Bus, Bicycle, Pedestrian };
constexpr int kNumObjectClasses = 5;
constexpr double kAnnotationMargin = 0.05;  // m between the rendered object and its box

const char* objectClassName(ObjectClass c);  // car, truck, bus, bicycle, pedestrian (AWML's names)
const char* objectCategory(ObjectClass c);   // vehicle.car, ... human.pedestrian.adult

// An axis-aligned box in the object's frame: x forward, y left, z up from the box bottom.
struct ShapePart {
  Eigen::Vector3f centre;
  Eigen::Vector3f half;
  Material material;
};

struct ObjectSize {
  double length, width, height;
};

// A size from the class's distribution (close to nuScenes' per-class means and spreads).
ObjectSize sampleObjectSize(ObjectClass c, SynthRandom& rng);

// The parts of one object of this class and size.
std::vector<ShapePart> objectParts(ObjectClass c, const ObjectSize& size, SynthRandom& rng);

}  // namespace cpq
