// The paired bootstrap against a brute-force recomputation: every resample is materialised as a results set
// in which frame f appears as weights[f] consecutive copies (renamed samples) and scored by the ordinary
// evaluators; the re-weighted curves must give identical metrics and therefore identical intervals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "eval/Accumulate.h"
#include "eval/DetectionMetrics.h"
#include "eval/FrameMatches.h"
#include "eval/PairedBootstrap.h"
#include "eval/RangeBucketedMap.h"
#include "support/ErrorMessage.h"

namespace cpq {
namespace {

const std::vector<std::string> kClasses{"car", "pedestrian"};

EvalBox box(const std::string& token, const std::string& cls, double x, double y, double score, int numPts) {
  EvalBox b;
  b.sampleToken = token;
  b.translation = {x, y, 0};
  b.detectionName = cls;
  b.detectionScore = score;
  b.numPts = numPts;
  return b;
}

struct Scenario {
  EvalBoxes gt, predA, predB;
};

// Random frames with GT near and far; two "models" that detect most GT with noise, add false positives and
// use coarse scores (many exact ties, also across frames). predB lists its samples in reverse order, so the
// results order differs from the frame order.
Scenario makeScenario(int frames, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Scenario s;
  std::vector<std::vector<EvalBox>> a(static_cast<size_t>(frames)), b(static_cast<size_t>(frames));
  for (int f = 0; f < frames; ++f) {
    const std::string tok = "frame" + std::to_string(f);
    s.gt.addSample(tok);
    const int n = static_cast<int>(u(rng) * 6);
    for (int i = 0; i < n; ++i) {
      const std::string cls = kClasses[u(rng) < 0.6 ? 0 : 1];
      const double r = 2 + 36 * u(rng), phi = 6.283 * u(rng);
      const double x = r * std::cos(phi), y = r * std::sin(phi);
      s.gt.add(box(tok, cls, x, y, -1, u(rng) < 0.1 ? 0 : 10));
      for (auto* side : {&a[static_cast<size_t>(f)], &b[static_cast<size_t>(f)]})
        if (u(rng) < 0.8)
          side->push_back(box(tok, cls, x + 1.5 * (u(rng) - 0.5), y + 1.5 * (u(rng) - 0.5),
                              std::round(10 * u(rng)) / 10, -1));
    }
    for (auto* side : {&a[static_cast<size_t>(f)], &b[static_cast<size_t>(f)]})
      for (int i = 0; i < 2; ++i)
        if (u(rng) < 0.5)
          side->push_back(box(tok, kClasses[u(rng) < 0.5 ? 0 : 1], 40 * (u(rng) - 0.5), 40 * (u(rng) - 0.5),
                              std::round(10 * u(rng)) / 10, -1));
  }
  for (int f = 0; f < frames; ++f) {
    s.predA.addSample("frame" + std::to_string(f));
    for (const auto& x : a[static_cast<size_t>(f)]) s.predA.add(x);
  }
  for (int f = frames - 1; f >= 0; --f) {
    s.predB.addSample("frame" + std::to_string(f));
    for (const auto& x : b[static_cast<size_t>(f)]) s.predB.add(x);
  }
  return s;
}

// The results set in which each sample appears weights[frame] times as consecutive renamed copies, in the
// given set's own sample order.
EvalBoxes expand(const EvalBoxes& boxes, const EvalBoxes& frames, const std::vector<uint32_t>& weights) {
  EvalBoxes out;
  for (size_t s = 0; s < boxes.numSamples(); ++s) {
    const std::string& tok = boxes.sampleTokens()[s];
    const uint32_t w = weights[static_cast<size_t>(frames.sampleIndex(tok))];
    for (uint32_t k = 0; k < w; ++k) {
      const std::string copy = tok + "#" + std::to_string(k);
      out.addSample(copy);
      for (EvalBox b : boxes.boxes(s)) {
        b.sampleToken = copy;
        out.add(b);
      }
    }
  }
  return out;
}

PreparedEvaluation prepared(const RangeBucketConfig& cfg, const EvalBoxes& gt, const EvalBoxes& pred) {
  PreparedEvaluation p;
  p.rangeBuckets = cfg;
  p.lidarGt = gt;
  p.lidarPred = pred;
  return p;
}

std::vector<double> bruteForce(const RangeBucketConfig& cfg, const EvalBoxes& gt, const EvalBoxes& pred,
                               const std::vector<uint32_t>& weights) {
  const RangeBucketedResult r =
      evaluateRangeBucketed(cfg, expand(gt, gt, weights), expand(pred, gt, weights));
  std::vector<double> out;
  for (const auto& b : cfg.buckets) out.push_back(r.mAP.at(b.name));
  return out;
}

TEST(FrameMatches, UnitWeightsGiveTheDevkitAp) {
  const Scenario s = makeScenario(40, 1);
  const std::vector<uint32_t> ones(40, 1);
  ApScratch scratch;
  const std::vector<double> ths{0.5, 1.0, 2.0, 4.0};
  for (const auto& cls : kClasses)
    for (const EvalBoxes* pred : {&s.predA, &s.predB}) {
      const std::vector<double> aps =
          resampledAps(matchFrames(s.gt, *pred, cls, ths), ones, 0.1, 0.1, scratch);
      for (size_t t = 0; t < ths.size(); ++t)
        EXPECT_EQ(aps[t], calcAp(accumulate(s.gt, *pred, cls, ths[t]), 0.1, 0.1)) << cls << " @ " << ths[t];
    }
}

TEST(FrameMatches, TiedScoresOfOneFrameRepeatAsABlock) {
  // One frame with a TP and an FP of equal score: the devkit puts the later box first, and two copies of
  // the frame interleave as (later, earlier, later, earlier).
  EvalBoxes gt, pred;
  gt.add(box("t", "car", 10, 0, -1, 5));
  gt.add(box("t", "car", 30, 0, -1, 5));
  pred.add(box("t", "car", 10.1, 0, 0.5, -1));  // TP
  pred.add(box("t", "car", 20, 0, 0.5, -1));    // FP, later in results order: first in the devkit's order
  const FrameMatches m = matchFrames(gt, pred, "car", {2.0});
  EXPECT_EQ(m.tp, (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(m.blockEnd, (std::vector<uint32_t>{2}));
  EXPECT_EQ(m.gtPerFrame, (std::vector<uint32_t>{2}));
  ApScratch scratch;
  const double twice = resampledAps(m, {2}, 0.1, 0.1, scratch)[0];
  EXPECT_EQ(twice, calcAp(accumulate(expand(gt, gt, {2}), expand(pred, gt, {2}), "car", 2.0), 0.1, 0.1));
  EXPECT_EQ(resampledAps(m, {0}, 0.1, 0.1, scratch)[0], 0.0);  // no GT left: the devkit's no-predictions AP
}

TEST(PairedBootstrap, ResampledMetricsEqualABruteForceRecomputation) {
  const Scenario s = makeScenario(25, 7);
  const auto cfg = RangeBucketConfig::fromRanges(kClasses, {{0, 20}, {20, 40}});
  const ResampledMetrics a(prepared(cfg, s.gt, s.predA)), b(prepared(cfg, s.gt, s.predB));
  ASSERT_EQ(a.names(), (std::vector<std::string>{"t4.mAP.0-20", "t4.mAP.20-40", "t4.mAP.overall"}));
  BootstrapSampler sampler(25, 3);
  std::vector<uint32_t> w;
  for (int r = 0; r < 60; ++r) {
    sampler.next(w);
    EXPECT_EQ(a.evaluate(w), bruteForce(cfg, s.gt, s.predA, w)) << "resample " << r;
    EXPECT_EQ(b.evaluate(w), bruteForce(cfg, s.gt, s.predB, w)) << "resample " << r;
  }
}

TEST(PairedBootstrap, IntervalsEqualTheBruteForceIntervals) {
  const Scenario s = makeScenario(20, 11);
  const auto cfg = RangeBucketConfig::fromRanges(kClasses, {{0, 20}, {20, 40}});
  BootstrapOptions opt;
  opt.resamples = 100;
  opt.seed = 42;
  const PairedComparison c = pairedBootstrap(ResampledMetrics(prepared(cfg, s.gt, s.predA)),
                                             ResampledMetrics(prepared(cfg, s.gt, s.predB)), opt, "A", "B");
  BootstrapSampler sampler(20, 42);
  std::vector<std::vector<double>> diffs(3);
  std::vector<uint32_t> w;
  for (int r = 0; r < 100; ++r) {
    sampler.next(w);
    const auto va = bruteForce(cfg, s.gt, s.predA, w), vb = bruteForce(cfg, s.gt, s.predB, w);
    for (size_t m = 0; m < 3; ++m) diffs[m].push_back(vb[m] - va[m]);
  }
  const RangeBucketedResult fa = evaluateRangeBucketed(cfg, s.gt, s.predA),
                            fb = evaluateRangeBucketed(cfg, s.gt, s.predB);
  ASSERT_EQ(c.metrics.size(), 3u);
  for (size_t m = 0; m < 3; ++m) {
    std::sort(diffs[m].begin(), diffs[m].end());
    const PairedInterval& p = c.metrics[m];
    const std::string bucket = cfg.buckets[m].name;
    EXPECT_EQ(p.a, fa.mAP.at(bucket));
    EXPECT_EQ(p.b, fb.mAP.at(bucket));
    EXPECT_EQ(p.lo, percentileOfSorted(diffs[m], 2.5)) << bucket;
    EXPECT_EQ(p.hi, percentileOfSorted(diffs[m], 97.5)) << bucket;
    EXPECT_LE(p.lo, p.hi);
  }
  // The same seed gives the same bytes; another seed other resamples.
  const PairedComparison again =
      pairedBootstrap(ResampledMetrics(prepared(cfg, s.gt, s.predA)),
                      ResampledMetrics(prepared(cfg, s.gt, s.predB)), opt, "A", "B");
  EXPECT_EQ(again.toJson()["metrics"].dump(), c.toJson()["metrics"].dump());
}

// The first-n-frames comparison equals a comparison built on those n frames alone.
TEST(PairedBootstrap, FirstFramesEqualAnEvaluationOfThoseFramesAlone) {
  const Scenario s = makeScenario(24, 13);
  const auto cfg = RangeBucketConfig::fromRanges(kClasses, {{0, 20}, {20, 40}});
  auto firstFrames = [](const EvalBoxes& boxes, size_t n) {
    EvalBoxes out;
    for (size_t i = 0; i < boxes.numSamples(); ++i) {
      const std::string& tok = boxes.sampleTokens()[i];
      if (std::stoi(tok.substr(5)) >= static_cast<int>(n)) continue;
      out.addSample(tok);
      for (const auto& b : boxes.boxes(i)) out.add(b);
    }
    return out;
  };
  BootstrapOptions opt;
  opt.resamples = 100;
  opt.seed = 5;
  const std::vector<PairedComparison> byFrames = pairedBootstrapByFrames(
      ResampledMetrics(prepared(cfg, s.gt, s.predA)), ResampledMetrics(prepared(cfg, s.gt, s.predB)), opt,
      doublingFrameCounts(24, 6), "A", "B");
  ASSERT_EQ(byFrames.size(), 3u);  // 6, 12, 24
  EXPECT_EQ(byFrames[1].frames, 12u);
  const PairedComparison direct = pairedBootstrap(
      ResampledMetrics(prepared(cfg, firstFrames(s.gt, 12), firstFrames(s.predA, 12))),
      ResampledMetrics(prepared(cfg, firstFrames(s.gt, 12), firstFrames(s.predB, 12))), opt, "A", "B");
  EXPECT_EQ(byFrames[1].toJson()["metrics"].dump(), direct.toJson()["metrics"].dump());
  EXPECT_THROW(pairedBootstrapByFrames(ResampledMetrics(prepared(cfg, s.gt, s.predA)),
                                       ResampledMetrics(prepared(cfg, s.gt, s.predB)), opt, {25}, "A", "B"),
               Error);
}

TEST(PairedBootstrap, NuScenesMapMatchesEvaluateDetection) {
  const Scenario s = makeScenario(30, 5);
  PreparedEvaluation p;
  DetectionConfig cfg = DetectionConfig::defaults();
  cfg.classNames = kClasses;
  p.nuscenesConfig = cfg;
  p.nuscenesGt = s.gt;
  p.nuscenesPred = s.predA;
  const ResampledMetrics m(p);
  ASSERT_EQ(m.names(), (std::vector<std::string>{"nuscenes.mAP"}));
  EXPECT_EQ(m.evaluate(std::vector<uint32_t>(30, 1))[0], evaluateDetection(cfg, s.gt, s.predA).meanAp);
  std::vector<uint32_t> w(30, 0);
  w[3] = 2;
  w[17] = 1;
  w[29] = 3;
  EXPECT_EQ(m.evaluate(w)[0], evaluateDetection(cfg, expand(s.gt, s.gt, w), expand(s.predA, s.gt, w)).meanAp);
}

TEST(PairedBootstrap, SamplerIsSeededAndDrawsEveryFrameOnce) {
  BootstrapSampler a(50, 9), b(50, 9), c(50, 10);
  std::vector<uint32_t> wa, wb, wc;
  a.next(wa);
  b.next(wb);
  c.next(wc);
  EXPECT_EQ(wa, wb);
  EXPECT_NE(wa, wc);
  uint32_t total = 0;
  for (uint32_t x : wa) total += x;
  EXPECT_EQ(total, 50u);
  // Over many resamples each frame is drawn about once per resample.
  std::vector<double> mean(50, 0);
  for (int r = 0; r < 2000; ++r) {
    a.next(wa);
    for (size_t f = 0; f < 50; ++f) mean[f] += wa[f] / 2000.0;
  }
  for (double m : mean) EXPECT_NEAR(m, 1.0, 0.1);
}

TEST(PairedBootstrap, PercentileIsNumpysLinearRule) {
  const std::vector<double> v{1, 2, 4, 8};
  EXPECT_EQ(percentileOfSorted(v, 0), 1);
  EXPECT_EQ(percentileOfSorted(v, 100), 8);
  EXPECT_DOUBLE_EQ(percentileOfSorted(v, 50), 3);       // np.percentile([1,2,4,8], 50)
  EXPECT_DOUBLE_EQ(percentileOfSorted(v, 2.5), 1.075);  // position 0.075
  EXPECT_DOUBLE_EQ(percentileOfSorted(v, 97.5), 7.7);   // position 2.925
}

TEST(PairedBootstrap, RefusesBadResampleCountsAndDifferentFrames) {
  BootstrapOptions o;
  o.resamples = 99;
  EXPECT_NE(testing::errorMessageOf([&] { o.validate("--bootstrap"); }).find("[100, 100000], not 99"),
            std::string::npos);
  o.resamples = 100001;
  EXPECT_THROW(o.validate("--bootstrap"), Error);
  o.resamples = 100;
  EXPECT_NO_THROW(o.validate("--bootstrap"));
  const std::string msg = testing::errorMessageOf([] {
    requireSameFrames({"a", "b", "c"}, {"a", "c", "d"}, "A.json", "B.json");
  });
  EXPECT_NE(msg.find("only in A.json: b"), std::string::npos) << msg;
  EXPECT_NE(msg.find("only in B.json: d"), std::string::npos) << msg;
}

}  // namespace
}  // namespace cpq
