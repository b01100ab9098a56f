#pragma once
// Surface materials of the synthetic world: each sets the return intensity (0-255 before range falloff,
// as a calibrated HDL-32E reports) and how often a return is lost (dark, glossy or glass surfaces).
#include <cstdint>

namespace cpq {

class SynthRandom;

enum class Material : uint8_t {
  Asphalt,
  Marking,
  Sidewalk,
  Grass,
  Concrete,
  Glass,
  Foliage,
  Metal,
  Paint,
  Window,
  Tire,
  Clothing,
  Plastic,
  Retroreflector
};

// Intensity before range falloff, drawn around the material's mean.
float materialIntensity(Material m, SynthRandom& rng);

// Extra dropout probability of the material (added to the range-dependent base rate).
float materialDropout(Material m);

// Share of rays that pass through (foliage); 0 for solid surfaces.
float materialPassThrough(Material m);

}  // namespace cpq
