#pragma once
// The one source of randomness of the training data pipeline, passed in explicitly (no global generator),
// so that a frame's augmentation is a function of its seed alone, whatever thread or rank draws it.
//
// The distributions are written here over std::mt19937_64's raw output rather than taken from
// std::uniform_real_distribution / std::normal_distribution: the engine's output sequence is fixed by the
// C++ standard, the distributions' algorithms are not, and libstdc++, libc++ and MSVC draw different numbers
// from the same engine. Ours give the same augmentation on every toolchain.
#include <cstdint>
#include <random>

namespace cpq {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  // An independent stream for one (seed, epoch, sample) triple: the trainer can draw a frame's
  // augmentation in any worker, in any order, and resume mid-epoch with the same numbers.
  static Rng forSample(uint64_t seed, uint64_t epoch, uint64_t sampleIndex);

  uint64_t nextU64() { return engine_(); }
  double uniform01();                       // [0, 1), 53 random bits
  double uniform(double low, double high);  // [low, high)
  double normal(double mean, double stddev);
  bool bernoulli(double p) { return uniform01() < p; }  // as mmdet3d's np.random.rand() < ratio
  uint64_t below(uint64_t n);                           // uniform in [0, n), n > 0, without modulo bias

 private:
  std::mt19937_64 engine_;
};

}  // namespace cpq
