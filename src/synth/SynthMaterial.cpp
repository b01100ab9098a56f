#include "synth/SynthMaterial.h"

#include "synth/SynthRandom.h"

namespace cpq {
namespace {

struct MaterialProps {
  float mean, spread, dropout, passThrough;
};

// Means and spreads are typical calibrated-lidar reflectivities: asphalt dark, paint and signs bright.
MaterialProps props(Material m) {
  switch (m) {
    case Material::Asphalt:
      return {9, 5, 0.01f, 0};
    case Material::Marking:
      return {70, 30, 0, 0};
    case Material::Sidewalk:
      return {28, 10, 0, 0};
    case Material::Grass:
      return {18, 10, 0.02f, 0};
    case Material::Concrete:
      return {40, 20, 0, 0};
    case Material::Glass:
      return {8, 6, 0.35f, 0};
    case Material::Foliage:
      return {20, 12, 0.05f, 0.45f};
    case Material::Metal:
      return {45, 25, 0.02f, 0};
    case Material::Paint:
      return {35, 30, 0.02f, 0};
    case Material::Window:
      return {10, 8, 0.25f, 0};
    case Material::Tire:
      return {6, 4, 0.08f, 0};
    case Material::Clothing:
      return {22, 18, 0.02f, 0};
    case Material::Plastic:
      return {30, 15, 0, 0};
    case Material::Retroreflector:
      return {200, 50, 0, 0};
  }
  return {20, 10, 0, 0};
}

}  // namespace

float materialIntensity(Material m, SynthRandom& rng) {
  const MaterialProps p = props(m);
  return static_cast<float>(p.mean + p.spread * (2.0 * rng.uniform() - 1.0));
}

float materialDropout(Material m) { return props(m).dropout; }

float materialPassThrough(Material m) { return props(m).passThrough; }

}  // namespace cpq
