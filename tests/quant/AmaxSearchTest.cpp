#include "quant/AmaxSearch.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/Error.h"

namespace cpq {
namespace {

std::vector<double> unitEdges(int64_t n, double width) {
  return uniformBinEdges(n, width, static_cast<float>(static_cast<double>(n) * width));
}

// pytorch-quantization's mse search (docs/quantization.md, 'Calibrators') written out literally in double
// precision (O(n^2)): every centre against every candidate. Our own reference loop, not the reference's
// float32 arithmetic: the goldens in CalibratorTest.cpp compare with pytorch-quantization itself.
double bruteForceMse(const std::vector<double>& counts, const std::vector<double>& edges, double bound,
                     int64_t startBin, int64_t stride) {
  const size_t n = counts.size();
  std::vector<double> centres(n);
  for (size_t j = 0; j < n; ++j)
    centres[j] = static_cast<double>(static_cast<float>(edges[j] + edges[j + 1])) / 2;
  double best = std::numeric_limits<double>::infinity();
  size_t bestI = 0;
  for (size_t i = static_cast<size_t>(startBin); i < n; i += static_cast<size_t>(stride)) {
    const double scale = bound / centres[i];
    double err = 0;
    for (size_t j = 0; j < n; ++j) {
      const double q = std::min(std::max(std::nearbyint(centres[j] * scale), -bound), bound);
      const double d = q / scale - centres[j];
      err += counts[j] * d * d;
    }
    if (err < best) {
      best = err;
      bestI = i;
    }
  }
  return centres[bestI];
}

// TensorRT's KL search written out literally in double precision (O(n^2)), following pytorch-quantization's
// loop (docs/quantization.md, 'Calibrators'); like bruteForceMse, our own reference, not its float32 code.
double bruteForceEntropy(const std::vector<double>& counts, const std::vector<double>& edges, int64_t groups,
                         int64_t startBin, int64_t stride) {
  std::vector<double> bins(counts);
  bins[0] = bins[1];
  const int64_t n = static_cast<int64_t>(bins.size());
  double total = 0;
  for (double b : bins) total += b;
  std::vector<double> divergences;
  std::vector<int64_t> args;
  for (int64_t i = startBin; i <= n; i += stride) {
    std::vector<double> groupMass(static_cast<size_t>(groups), 0.0),
        groupBins(static_cast<size_t>(groups), 0.0);
    for (int64_t j = 0; j < i; ++j) {
      const int64_t g = groups * j / i;
      if (bins[static_cast<size_t>(j)] != 0) {
        groupMass[static_cast<size_t>(g)] += bins[static_cast<size_t>(j)];
        groupBins[static_cast<size_t>(g)] += 1;
      }
    }
    std::vector<double> q(static_cast<size_t>(i), 0.0), p(bins.begin(), bins.begin() + i);
    for (int64_t j = i; j < n; ++j) p[static_cast<size_t>(i - 1)] += bins[static_cast<size_t>(j)];
    double qSum = 0, pSum = 0;
    for (int64_t j = 0; j < i; ++j) {
      const int64_t g = groups * j / i;
      if (bins[static_cast<size_t>(j)] != 0) {
        q[static_cast<size_t>(j)] = groupMass[static_cast<size_t>(g)] / groupBins[static_cast<size_t>(g)];
      }
      qSum += q[static_cast<size_t>(j)];
      pSum += p[static_cast<size_t>(j)];
    }
    double kl = 0;
    for (int64_t j = 0; j < i; ++j) {
      const double pj = p[static_cast<size_t>(j)] / pSum, qj = q[static_cast<size_t>(j)] / qSum;
      if (pj > 0) kl += qj > 0 ? pj * std::log(pj / qj) : std::numeric_limits<double>::infinity();
    }
    divergences.push_back(kl);
    args.push_back(i);
  }
  size_t best = divergences.size() - 1;
  for (size_t k = divergences.size(); k-- > 0;) {
    if (divergences[k] < divergences[best]) best = k;
  }
  return edges[static_cast<size_t>(args[best])];
}

// Histograms like calibration's: a decaying bulk, a zero spike, empty stretches and a far tail.
std::vector<double> syntheticCounts(int64_t n, unsigned seed, bool sparse) {
  std::mt19937 rng(seed);
  std::exponential_distribution<double> decay(1.0);
  std::vector<double> counts(static_cast<size_t>(n), 0.0);
  const int samples = 200000;
  for (int s = 0; s < samples; ++s) {
    const double v = decay(rng) * static_cast<double>(n) / 8.0;
    const int64_t j = std::min<int64_t>(static_cast<int64_t>(v), n - 1);
    counts[static_cast<size_t>(j)] += 1;
  }
  counts[0] += sparse ? 5.0e6 : 1000.0;
  if (sparse) {
    for (int64_t j = n / 3; j < n - 3; ++j) counts[static_cast<size_t>(j)] = 0;
  }
  counts[static_cast<size_t>(n - 1)] += 1;  // the max sits in the last bin
  return counts;
}

TEST(AmaxSearch, UniformEdgesAreFloat32Multiples) {
  const auto edges = uniformBinEdges(4, 0.1f, 0.4f);
  ASSERT_EQ(edges.size(), 5u);
  EXPECT_EQ(edges[0], 0.0);
  EXPECT_EQ(edges[3], static_cast<double>(static_cast<float>(3 * static_cast<double>(0.1f))));
  EXPECT_EQ(edges[4], static_cast<double>(0.4f));
}

TEST(AmaxSearch, PercentileTakesTheLeftEdgeOfTheFirstBinReachingIt) {
  const std::vector<double> counts = {1, 1, 1, 1};
  const auto edges = unitEdges(4, 1.0);
  EXPECT_EQ(percentileAmax(counts, edges, 50.0), 1.0);  // cdf 0.25 0.5 ...: bin 1
  EXPECT_EQ(percentileAmax(counts, edges, 50.1), 2.0);
  EXPECT_EQ(percentileAmax(counts, edges, 100.0), 3.0);  // the last bin's left edge, not the max
  EXPECT_EQ(percentileAmax({0, 0, 5, 0}, edges, 1.0), 2.0);
  // numpy's cumsum(hist / total): eight 0.1 steps sum to 0.7999999999999999 < 0.8, so the reference (and
  // we) pass the bin where exactly 80% is reached and stop at the next one.
  const std::vector<double> ten(10, 1.0);
  EXPECT_EQ(percentileAmax(ten, unitEdges(10, 1.0), 80.0), 8.0);
  EXPECT_EQ(percentileAmax(ten, unitEdges(10, 1.0), 70.0), 6.0);
}

TEST(AmaxSearch, PercentileRejectsOutOfRangeValuesAndEmptyHistograms) {
  const auto edges = unitEdges(4, 1.0);
  EXPECT_THROW(percentileAmax({1, 1, 1, 1}, edges, 0.0), Error);
  EXPECT_THROW(percentileAmax({1, 1, 1, 1}, edges, -5.0), Error);
  EXPECT_THROW(percentileAmax({1, 1, 1, 1}, edges, 100.5), Error);
  EXPECT_THROW(percentileAmax({1, 1, 1, 1}, edges, std::nan("")), Error);
  EXPECT_THROW(percentileAmax({0, 0, 0, 0}, edges, 99.0), Error);
  EXPECT_THROW(percentileAmax({1, 1, 1}, edges, 99.0), Error);  // edges do not fit the bins
}

TEST(AmaxSearch, MseNeedsACandidate) {
  const std::vector<double> counts(100, 1.0);
  EXPECT_THROW(mseAmax(counts, unitEdges(100, 1.0), 8, false), Error);  // start bin 128 > 99
  EXPECT_THROW(mseAmax(counts, unitEdges(100, 1.0), 8, false, 10, 0), Error);
  EXPECT_NO_THROW(mseAmax(counts, unitEdges(100, 1.0), 8, false, 99));
}

TEST(AmaxSearch, MseOfAHandCase) {
  // 200 bins of width 1, one value in bin 0 and one in bin 199. Candidate a (a bin centre) has error
  // (fq(0.5) - 0.5)^2 + (fq(199.5) - 199.5)^2; for a >= 199.5 the top value is exact and 0.5 rounds to 0
  // once a > 127: error 0.25, the smallest possible, first reached at a = 199.5 (the last centre).
  std::vector<double> counts(200, 0.0);
  counts[0] = 1;
  counts[199] = 1;
  EXPECT_EQ(mseAmax(counts, unitEdges(200, 1.0), 8, false), 199.5);
  // With the mass at the bottom, the first candidate (a = 128.5) wins: it represents 0.5 .. 127 best.
  std::vector<double> low(200, 0.0);
  for (int j = 0; j < 100; ++j) low[static_cast<size_t>(j)] = 1000;
  low[199] = 1;
  EXPECT_EQ(mseAmax(low, unitEdges(200, 1.0), 8, false),
            bruteForceMse(low, unitEdges(200, 1.0), 127, 128, 1));
}

TEST(AmaxSearch, MseMatchesTheLiteralSearch) {
  for (unsigned seed = 1; seed <= 6; ++seed) {
    for (bool sparse : {false, true}) {
      const int64_t n = 700 + 97 * seed;
      const auto counts = syntheticCounts(n, seed, sparse);
      const auto edges = unitEdges(n, 0.0123);
      for (int64_t stride : {1, 3}) {
        EXPECT_EQ(mseAmax(counts, edges, 8, false, 128, stride),
                  bruteForceMse(counts, edges, 127, 128, stride))
            << "seed " << seed << " sparse " << sparse << " stride " << stride;
      }
      EXPECT_EQ(mseAmax(counts, edges, 8, true, 128, 1), bruteForceMse(counts, edges, 255, 128, 1));
      EXPECT_EQ(mseAmax(counts, edges, 6, false, 64, 1), bruteForceMse(counts, edges, 31, 64, 1));
    }
  }
}

TEST(AmaxSearch, EntropyMatchesTheLiteralSearch) {
  for (unsigned seed = 1; seed <= 6; ++seed) {
    for (bool sparse : {false, true}) {
      const int64_t n = 500 + 61 * seed;
      const auto counts = syntheticCounts(n, seed, sparse);
      const auto edges = unitEdges(n, 0.5);
      for (int64_t stride : {1, 5}) {
        EXPECT_EQ(entropyAmax(counts, edges, 8, false, 128, stride),
                  bruteForceEntropy(counts, edges, 128, 128, stride))
            << "seed " << seed << " sparse " << sparse << " stride " << stride;
      }
      EXPECT_EQ(entropyAmax(counts, edges, 8, true, 256, 1), bruteForceEntropy(counts, edges, 256, 256, 1));
    }
  }
}

TEST(AmaxSearch, EntropyTiesGoToTheLargestRange) {
  // 128 equal bins then nothing: every i from 128 on keeps all the mass, and i = 128 has KL exactly 0 but
  // so do others (each group one bin, or all-equal groups); the largest tied i wins.
  std::vector<double> counts(256, 0.0);
  for (int j = 0; j < 128; ++j) counts[static_cast<size_t>(j)] = 10;
  const auto edges = unitEdges(256, 1.0);
  EXPECT_EQ(entropyAmax(counts, edges, 8, false), bruteForceEntropy(counts, edges, 128, 128, 1));
  // A single outlier in the last bin: cutting it off puts its mass on an empty bin (KL infinite), so only
  // the full range is finite.
  std::vector<double> outlier(300, 0.0);
  for (int j = 0; j < 50; ++j) outlier[static_cast<size_t>(j)] = 100;
  outlier[299] = 1;
  EXPECT_EQ(entropyAmax(outlier, unitEdges(300, 1.0), 8, false), 300.0);
}

TEST(AmaxSearch, EntropyRejectsImpossibleSearches) {
  EXPECT_THROW(entropyAmax({1.0}, unitEdges(1, 1.0), 8, false, 1), Error);
  EXPECT_THROW(entropyAmax(std::vector<double>(100, 1.0), unitEdges(100, 1.0), 8, false), Error);
  EXPECT_NO_THROW(entropyAmax(std::vector<double>(128, 1.0), unitEdges(128, 1.0), 8, false));
}

TEST(AmaxSearch, LargeHistogramsAreFast) {
  const int64_t n = 19456;
  const auto counts = syntheticCounts(n, 7, false);
  const auto edges = unitEdges(n, 0.000488);
  const auto start = std::chrono::steady_clock::now();
  const double mse = mseAmax(counts, edges, 8, false);
  const double kl = entropyAmax(counts, edges, 8, false);
  const double pct = percentileAmax(counts, edges, 99.99);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GT(mse, 0.0);
  EXPECT_GT(kl, 0.0);
  EXPECT_GT(pct, 0.0);
  // The reference takes tens of seconds here; a generous bound for a loaded 2-core CI machine.
  EXPECT_LT(seconds, 2.0);
}

}  // namespace
}  // namespace cpq
