#include "quant/AmaxSearch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/Error.h"

namespace cpq {

namespace {

void checkHistogram(const std::vector<double>& counts, const std::vector<double>& edges) {
  if (counts.empty()) throw Error("amax search: empty histogram");
  if (edges.size() != counts.size() + 1) {
    throw Error("amax search: " + std::to_string(counts.size()) + " bins need " +
                std::to_string(counts.size() + 1) + " edges, got " + std::to_string(edges.size()));
  }
}

void checkSearch(int64_t n, int64_t startBin, int64_t stride, int64_t lastCandidate, const char* method) {
  if (stride < 1) throw Error(std::string(method) + " amax: stride must be >= 1");
  if (startBin < 0 || startBin > lastCandidate) {
    throw Error(std::string(method) + " amax: start bin " + std::to_string(startBin) +
                " leaves no candidate in " + std::to_string(n) + " bins");
  }
}

double maxBound(int numBits, bool isUnsigned) {
  if (numBits < 2 || numBits > 16) throw Error("amax search: 2 to 16 bits, got " + std::to_string(numBits));
  return isUnsigned ? std::ldexp(1.0, numBits) - 1.0 : std::ldexp(1.0, numBits - 1) - 1.0;
}

}  // namespace

std::vector<double> uniformBinEdges(int64_t numBins, double width, double lastEdge) {
  std::vector<double> edges(static_cast<size_t>(numBins) + 1);
  for (int64_t j = 0; j < numBins; ++j) {
    edges[static_cast<size_t>(j)] = static_cast<float>(static_cast<double>(j) * width);
  }
  edges[static_cast<size_t>(numBins)] = lastEdge;
  return edges;
}

double percentileAmax(const std::vector<double>& counts, const std::vector<double>& edges,
                      double percentile) {
  checkHistogram(counts, edges);
  if (!(percentile > 0.0 && percentile <= 100.0)) {
    throw Error("percentile must be in (0, 100], got " + std::to_string(percentile));
  }
  double total = 0.0;
  for (double c : counts) total += c;
  if (total <= 0.0) throw Error("percentile amax: the histogram is empty");
  const double target = percentile / 100.0;
  // numpy's cumsum(hist / total): a running float64 sum of normalised counts, not cumsum(hist) / total.
  // With round totals p% of them is often a whole count, and then this rounding decides which bin is
  // the first to reach it; summing the same way gives the reference's bin.
  double cdf = 0.0;
  for (size_t j = 0; j < counts.size(); ++j) {
    cdf += counts[j] / total;
    if (cdf >= target) return edges[j];
  }
  // Rounding can leave the last cdf a hair below 1 (numpy then returns the index n: the last edge).
  return edges[counts.size()];
}

// The error of candidate amax a is a sum over quantization levels: the bins whose centres round to level k
// form one contiguous run, and sum counts * (k / s - c)^2 over a run follows from prefix sums of counts,
// counts * c and counts * c^2. So a candidate costs O(2^bits) instead of O(n), and the whole search
// O(n * 2^bits) instead of the reference's O(n^2) float32 tensor passes.
double mseAmax(const std::vector<double>& counts, const std::vector<double>& edges, int numBits,
               bool isUnsigned, int64_t startBin, int64_t stride) {
  checkHistogram(counts, edges);
  const int64_t n = static_cast<int64_t>(counts.size());
  checkSearch(n, startBin, stride, n - 1, "mse");
  const double bound = maxBound(numBits, isUnsigned);
  const int64_t levels = static_cast<int64_t>(bound);

  // Centres as the reference's float32 (edges[1:] + edges[:-1]) / 2; the edges are float32 values, so
  // rounding their double sum to float32 is the float32 sum.
  std::vector<double> centres(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) {
    const size_t u = static_cast<size_t>(j);
    centres[u] = static_cast<double>(static_cast<float>(edges[u] + edges[u + 1])) * 0.5;
  }
  // Run sums are differences of prefix sums; in double their cancellation error (~1e-16 of the prefix)
  // stays orders of magnitude below the error differences between neighbouring candidates (the
  // reference itself compares float32 values). The brute-force tests check the argmin.
  using Acc = double;
  std::vector<Acc> p0(static_cast<size_t>(n) + 1, 0), p1(p0), p2(p0);
  for (int64_t j = 0; j < n; ++j) {
    const size_t u = static_cast<size_t>(j);
    const Acc c = counts[u], x = centres[u];
    p0[u + 1] = p0[u] + c;
    p1[u + 1] = p1[u] + c * x;
    p2[u + 1] = p2[u] + c * x * x;
  }
  // sum over bins [lo, hi) of counts * (v - c)^2.
  auto runError = [&](int64_t lo, int64_t hi, double v) -> Acc {
    if (lo >= hi) return 0;
    const size_t a = static_cast<size_t>(lo), b = static_cast<size_t>(hi);
    const Acc s0 = p0[b] - p0[a], s1 = p1[b] - p1[a], s2 = p2[b] - p2[a];
    return s2 - 2 * v * s1 + v * v * s0;
  };

  const double origin = centres[0];
  const double spacing =
      n > 1 ? (centres[static_cast<size_t>(n - 1)] - origin) / static_cast<double>(n - 1) : 1.0;
  // round_half_even(x) >= k  <=>  x > k - 0.5, or x == k - 0.5 and k is even (torch.round's ties go to
  // even). Comparisons instead of nearbyint calls keep the boundary search cheap.
  auto reaches = [&](int64_t j, double scale, int64_t k) {
    const double x = centres[static_cast<size_t>(j)] * scale;
    const double tie = static_cast<double>(k) - 0.5;
    return x > tie || (x == tie && k % 2 == 0);
  };

  Acc bestError = std::numeric_limits<Acc>::infinity();
  int64_t best = startBin;
  std::vector<int64_t> firstBin(static_cast<size_t>(levels) + 2);
  for (int64_t i = startBin; i < n; i += stride) {
    const double amax = centres[static_cast<size_t>(i)];
    const double scale = bound / amax;
    const double binsPerLevel = spacing > 0 ? 1.0 / (scale * spacing) : 0.0;
    const double originBins = spacing > 0 ? origin / spacing : 0.0;
    // firstBin[k]: first bin whose centre rounds to level >= k; estimated from the near-uniform centres,
    // then corrected by a local walk so it is exact whatever the edges.
    firstBin[0] = 0;
    for (int64_t k = 1; k <= levels; ++k) {
      const int64_t lower = firstBin[static_cast<size_t>(k - 1)];
      const double estimate = (static_cast<double>(k) - 0.5) * binsPerLevel - originBins;
      int64_t j = lower;  // also for a NaN estimate
      if (estimate >= static_cast<double>(n)) {
        j = n;
      } else if (estimate > static_cast<double>(lower)) {
        j = static_cast<int64_t>(estimate);  // floor; the walk below settles the last step
      }
      while (j > lower && reaches(j - 1, scale, k)) --j;
      while (j < n && !reaches(j, scale, k)) ++j;
      firstBin[static_cast<size_t>(k)] = j;
    }
    Acc error = 0;
    for (int64_t k = 0; k < levels; ++k) {
      error += runError(firstBin[static_cast<size_t>(k)], firstBin[static_cast<size_t>(k + 1)],
                        static_cast<double>(k) / scale);
    }
    // Everything at or above the top level is clamped to it.
    error += runError(firstBin[static_cast<size_t>(levels)], n, bound / scale);
    if (error < bestError) {
      bestError = error;
      best = i;
    }
  }
  return centres[static_cast<size_t>(best)];
}

// KL(P || Q) per candidate from prefix sums: with T = total, S = sum of the kept bins, P_j the kept bins
// (tail added to the last), and Q_j = G_g / m_g on the m_g non-empty bins of group g (mass G_g),
//   KL = (sum_j P_j log P_j - sum_g G_g log(G_g / m_g) - tail * log(G_last / m_last)) / T + log(S / T).
// Prefix sums of bins, non-empty-bin counts and b log b make each candidate O(2^bits).
double entropyAmax(const std::vector<double>& counts, const std::vector<double>& edges, int numBits,
                   bool isUnsigned, int64_t startBin, int64_t stride) {
  checkHistogram(counts, edges);
  const int64_t n = static_cast<int64_t>(counts.size());
  if (n < 2) throw Error("entropy amax: needs at least 2 bins");
  checkSearch(n, startBin, stride, n, "entropy");
  if (startBin < 1) throw Error("entropy amax: start bin must be >= 1");
  // 128 groups for signed 8 bit: 1 << (bits - 1 + unsigned), as TensorRT.
  const int64_t groups = int64_t{1} << (numBits - 1 + (isUnsigned ? 1 : 0));
  (void)maxBound(numBits, isUnsigned);  // validates numBits

  // The reference overwrites the zero bin with its neighbour (the zero spike would dominate KL).
  std::vector<double> bins(counts);
  bins[0] = bins[1];
  std::vector<double> mass(static_cast<size_t>(n) + 1, 0.0), plogp(mass), nonEmpty(mass);
  for (int64_t j = 0; j < n; ++j) {
    const size_t u = static_cast<size_t>(j);
    const double b = bins[u];
    mass[u + 1] = mass[u] + b;  // integer counts: exact in double
    nonEmpty[u + 1] = nonEmpty[u] + (b > 0 ? 1.0 : 0.0);
    plogp[u + 1] = plogp[u] + (b > 0 ? b * std::log(b) : 0.0);
  }
  const double total = mass[static_cast<size_t>(n)];
  const double inf = std::numeric_limits<double>::infinity();

  auto divergence = [&](int64_t i) -> double {
    const size_t kept = static_cast<size_t>(i);
    const double keptMass = mass[kept];
    const double tail = total - keptMass;
    const double lastBin = bins[kept - 1];
    // Q is all zero (or P has mass where Q has none): infinitely divergent.
    if (keptMass <= 0.0 || (lastBin <= 0.0 && tail > 0.0)) return inf;
    const double lastP = lastBin + tail;
    const double sumPlogP = plogp[kept - 1] + (lastP > 0 ? lastP * std::log(lastP) : 0.0);
    double cross = 0.0;
    double lastGroupLog = 0.0;
    const int64_t lastGroup = groups * (i - 1) / i;
    for (int64_t g = 0; g < groups; ++g) {
      // Group g holds bins j with floor(groups * j / i) == g: j in [ceil(g i / groups), ceil((g+1) i /
      // groups)).
      const size_t lo = static_cast<size_t>((g * i + groups - 1) / groups);
      const size_t hi = static_cast<size_t>(((g + 1) * i + groups - 1) / groups);
      const double groupMass = mass[hi] - mass[lo];
      if (groupMass <= 0.0) continue;
      const double logQ = std::log(groupMass / (nonEmpty[hi] - nonEmpty[lo]));
      cross += groupMass * logQ;
      if (g == lastGroup) lastGroupLog = logQ;
    }
    cross += tail * lastGroupLog;
    return (sumPlogP - cross) / total + std::log(keptMass / total);
  };

  // Ties go to the largest i. Equal divergences in exact arithmetic (e.g. several exact 0s) differ here by
  // rounding only, so values within kTie of the minimum count as ties.
  constexpr double kTie = 1e-12;
  std::vector<double> kl;
  std::vector<int64_t> candidates;
  for (int64_t i = startBin; i <= n; i += stride) {
    kl.push_back(divergence(i));
    candidates.push_back(i);
  }
  const double minimum = *std::min_element(kl.begin(), kl.end());
  size_t chosen = kl.size() - 1;
  if (std::isfinite(minimum)) {
    while (kl[chosen] > minimum + kTie) --chosen;
  }
  return edges[static_cast<size_t>(candidates[chosen])];
}

}  // namespace cpq
