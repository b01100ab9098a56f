#pragma once
// The generator's only source of randomness. std::mt19937_64 is specified bit for bit by the standard, but
// std::uniform_real_distribution / std::normal_distribution are not (libstdc++ and libc++ give different
// numbers), so the distributions are written here: same seed, same dataset on every standard library.
#include <cstdint>
#include <random>

namespace cpq {

// splitmix64: mixes (seed, stream ids) into independent seeds, so that each scene and frame has its own
// stream and adding a draw in one place does not shift every later scene.
uint64_t mixSeed(uint64_t seed, uint64_t a, uint64_t b = 0);

class SynthRandom {
 public:
  explicit SynthRandom(uint64_t seed) : engine_(seed) {}

  double uniform();  // [0, 1), 53 bits
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  double normal(double mean, double stddev);  // Box-Muller
  double normalClamped(double mean, double stddev, double lo, double hi);
  int index(int n);  // 0 .. n-1
  bool chance(double p) { return uniform() < p; }

 private:
  std::mt19937_64 engine_;
  bool hasSpare_ = false;
  double spare_ = 0;
};

}  // namespace cpq
