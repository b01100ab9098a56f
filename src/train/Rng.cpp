#include "train/Rng.h"

#include <cmath>
#include <stdexcept>

namespace cpq {
namespace {

// SplitMix64's finaliser: spreads nearby integers (consecutive sample indices) over the whole seed space,
// so that neighbouring samples do not get correlated mt19937_64 states.
uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr double kTwoPi = 6.283185307179586476925286766559;

}  // namespace

Rng Rng::forSample(uint64_t seed, uint64_t epoch, uint64_t sampleIndex) {
  return Rng(mix(mix(mix(seed) ^ epoch) ^ sampleIndex));
}

double Rng::uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) { return low + (high - low) * uniform01(); }

double Rng::normal(double mean, double stddev) {
  // Box-Muller, one value per call (two uniforms): no cached second value, so the stream position
  // depends only on the number of calls. 1 - u keeps the log's argument in (0, 1].
  const double u1 = 1.0 - uniform01();
  const double u2 = uniform01();
  return mean + stddev * std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
}

uint64_t Rng::below(uint64_t n) {
  if (n == 0) throw std::invalid_argument("Rng::below: n must be positive");
  // Reject the top partial block of the 2^64 range so that every residue is equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = engine_();
  while (x >= limit) x = engine_();
  return x % n;
}

}  // namespace cpq
