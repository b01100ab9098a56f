#include "synth/SynthRandom.h"
#include "synth/SynthMath.h"

#include <algorithm>
#include <cmath>

namespace cpq {

uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t z = seed;
  for (uint64_t v : {a, b}) {
    z += 0x9E3779B97F4A7C15ULL + v;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
  }
  return z;
}

double SynthRandom::uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double SynthRandom::normal(double mean, double stddev) {
  if (hasSpare_) {
    hasSpare_ = false;
    return mean + stddev * spare_;
  }
  const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * synthmath::log(u1));
  const double a = 2.0 * M_PI * u2;
  spare_ = r * synthmath::sin(a);
  hasSpare_ = true;
  return mean + stddev * r * synthmath::cos(a);
}

double SynthRandom::normalClamped(double mean, double stddev, double lo, double hi) {
  return std::clamp(normal(mean, stddev), lo, hi);
}

int SynthRandom::index(int n) { return std::min(n - 1, static_cast<int>(uniform() * n)); }

}  // namespace cpq
