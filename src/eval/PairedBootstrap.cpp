#include "eval/PairedBootstrap.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/Error.h"
#include "eval/NumpyCompat.h"

namespace cpq {

void BootstrapOptions::validate(const std::string& what) const {
  if (resamples < kMinResamples || resamples > kMaxResamples)
    throw Error(fmt::format("{}: the resample count must be in [{}, {}], not {}", what, kMinResamples,
                            kMaxResamples, resamples));
  if (!(confidence > 0 && confidence < 1))
    throw Error(fmt::format("{}: the confidence level must be in (0, 1), not {}", what, confidence));
}

const PairedInterval* PairedComparison::find(const std::string& metric) const {
  for (const auto& m : metrics)
    if (m.metric == metric) return &m;
  return nullptr;
}

nlohmann::ordered_json PairedComparison::toJson() const {
  nlohmann::ordered_json j;
  j["labels"] = {labelA, labelB};
  j["frames"] = frames;
  j["resamples"] = options.resamples;
  j["seed"] = options.seed;
  j["confidence"] = options.confidence;
  j["method"] = "paired bootstrap over frames, percentile interval of b - a";
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& m : metrics)
    list.push_back(
        {{"metric", m.metric}, {"a", m.a}, {"b", m.b}, {"diff", m.diff}, {"lo", m.lo}, {"hi", m.hi}});
  j["metrics"] = list;
  j["seconds"] = seconds;
  return j;
}

std::string PairedComparison::markdown() const {
  std::string md = fmt::format("| metric | {} | {} | {} - {} | {:g}% interval |\n|---|---|---|---|---|\n",
                               labelA, labelB, labelB, labelA, 100 * options.confidence);
  for (const auto& m : metrics)
    md += fmt::format("| {} | {:.4f} | {:.4f} | {:+.4f} | [{:+.4f}, {:+.4f}] |\n", m.metric, m.a, m.b, m.diff,
                      m.lo, m.hi);
  md += fmt::format(
      "\nPaired bootstrap over the {} evaluation frames: {} resamples (seed {}), both models scored on each "
      "resample; the interval is the central {:g}% of the resampled differences. An interval that contains 0 "
      "means the frames cannot tell the two apart.\n",
      frames, options.resamples, options.seed, 100 * options.confidence);
  return md;
}

ResampledMetrics::ResampledMetrics(const PreparedEvaluation& prepared) {
  const EvalBoxes& framesOf = prepared.rangeBuckets ? prepared.lidarGt : prepared.nuscenesGt;
  frameTokens_ = framesOf.sampleTokens();
  if (prepared.nuscenesConfig) {
    if (prepared.nuscenesGt.sampleTokens() != frameTokens_)
      throw std::logic_error("ResampledMetrics: the nuScenes and range-bucket GT hold different frames");
    const DetectionConfig& c = *prepared.nuscenesConfig;
    addMetric("nuscenes.mAP", c.classNames, c.distThs, c.minRecall, c.minPrecision, prepared.nuscenesGt,
              prepared.nuscenesPred);
  }
  if (prepared.rangeBuckets) {
    const RangeBucketConfig& c = *prepared.rangeBuckets;
    for (const auto& bucket : c.buckets)
      addMetric("t4.mAP." + bucket.name, c.classes, c.distThs, c.minRecall, c.minPrecision,
                selectBucket(prepared.lidarGt, bucket, c.classes),
                selectBucket(prepared.lidarPred, bucket, c.classes));
  }
}

ResampledMetrics::ResampledMetrics(const std::vector<const SampleInfo*>& samples, const EvalBoxes& predGlobal,
                                   const EvaluationOptions& options, const std::string& source)
    : ResampledMetrics(prepareEvaluation(samples, predGlobal, options, source)) {}

void ResampledMetrics::addMetric(const std::string& name, const std::vector<std::string>& classes,
                                 const std::vector<double>& distThs, double minRecall, double minPrecision,
                                 const EvalBoxes& gt, const EvalBoxes& pred) {
  Metric m;
  m.minRecall = minRecall;
  m.minPrecision = minPrecision;
  for (const auto& cls : classes) m.perClass.push_back(matchFrames(gt, pred, cls, distThs));
  names_.push_back(name);
  metrics_.push_back(std::move(m));
}

std::vector<double> ResampledMetrics::evaluate(const std::vector<uint32_t>& weights) const {
  if (weights.size() != frames()) throw std::logic_error("ResampledMetrics::evaluate: one weight per frame");
  thread_local ApScratch scratch;
  std::vector<double> out;
  out.reserve(metrics_.size());
  for (const Metric& m : metrics_) {
    // The same reductions as evaluateRangeBucketed / evaluateDetection: mean over thresholds, then classes.
    std::vector<double> classMeans;
    for (const FrameMatches& fm : m.perClass)
      classMeans.push_back(npc::mean(resampledAps(fm, weights, m.minRecall, m.minPrecision, scratch)));
    out.push_back(npc::mean(classMeans));
  }
  return out;
}

BootstrapSampler::BootstrapSampler(size_t frames, uint64_t seed) : frames_(frames), rng_(seed) {}

void BootstrapSampler::next(std::vector<uint32_t>& counts) {
  counts.assign(frames_, 0);
  if (frames_ == 0) return;
  // Unbiased: reject the top partial block of the 64-bit range.
  const uint64_t n = frames_;
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  for (size_t i = 0; i < frames_; ++i) {
    uint64_t x;
    do x = rng_();
    while (x >= limit);
    ++counts[x % n];
  }
}

double percentileOfSorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double pos = q / 100.0 * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double t = pos - static_cast<double>(lo);
  const double a = sorted[lo], b = sorted[hi], d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;  // numpy's _lerp
}

namespace {

std::string firstTokens(const std::vector<std::string>& tokens) {
  std::string s;
  for (size_t i = 0; i < tokens.size() && i < 5; ++i) s += (i ? ", " : "") + tokens[i];
  if (tokens.size() > 5) s += fmt::format(" and {} more", tokens.size() - 5);
  return s;
}

}  // namespace

void requireSameFrames(const std::vector<std::string>& a, const std::vector<std::string>& b,
                       const std::string& labelA, const std::string& labelB) {
  if (a == b) return;
  std::vector<std::string> sa(a), sb(b), onlyA, onlyB;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  std::set_difference(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(onlyA));
  std::set_difference(sb.begin(), sb.end(), sa.begin(), sa.end(), std::back_inserter(onlyB));
  std::string msg = fmt::format("a paired comparison needs the same frames: {} has {}, {} has {}", labelA,
                                a.size(), labelB, b.size());
  if (!onlyA.empty()) msg += fmt::format("; only in {}: {}", labelA, firstTokens(onlyA));
  if (!onlyB.empty()) msg += fmt::format("; only in {}: {}", labelB, firstTokens(onlyB));
  if (onlyA.empty() && onlyB.empty()) msg += " (the same frames in a different order)";
  throw Error(msg);
}

namespace {

PairedComparison bootstrapFirstFrames(const ResampledMetrics& a, const ResampledMetrics& b,
                                      const BootstrapOptions& options, size_t n, const std::string& labelA,
                                      const std::string& labelB) {
  const auto start = std::chrono::steady_clock::now();
  PairedComparison c;
  c.labelA = labelA;
  c.labelB = labelB;
  c.frames = n;
  c.options = options;
  std::vector<uint32_t> w(a.frames(), 0);
  std::fill(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(n), 1u);
  const std::vector<double> fullA = a.evaluate(w), fullB = b.evaluate(w);
  const size_t nm = a.names().size();
  std::vector<std::vector<double>> diffs(nm);
  for (auto& d : diffs) d.reserve(static_cast<size_t>(options.resamples));
  BootstrapSampler sampler(n, options.seed);
  std::vector<uint32_t> counts;
  for (int r = 0; r < options.resamples; ++r) {
    sampler.next(counts);
    std::copy(counts.begin(), counts.end(), w.begin());
    const std::vector<double> va = a.evaluate(w), vb = b.evaluate(w);
    for (size_t m = 0; m < nm; ++m) diffs[m].push_back(vb[m] - va[m]);
  }
  // 2.5 for 0.95 (50 * (1 - 0.95) is 2.5000000000000022 in binary; rounded to the nano-percent).
  const double tail = std::round(50.0 * (1.0 - options.confidence) * 1e9) / 1e9;
  for (size_t m = 0; m < nm; ++m) {
    std::sort(diffs[m].begin(), diffs[m].end());
    PairedInterval p;
    p.metric = a.names()[m];
    p.a = fullA[m];
    p.b = fullB[m];
    p.diff = fullB[m] - fullA[m];
    p.lo = percentileOfSorted(diffs[m], tail);
    p.hi = percentileOfSorted(diffs[m], 100.0 - tail);
    c.metrics.push_back(p);
  }
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return c;
}

void requireComparable(const ResampledMetrics& a, const ResampledMetrics& b, const BootstrapOptions& options,
                       const std::string& labelA, const std::string& labelB) {
  options.validate("bootstrap");
  requireSameFrames(a.frameTokens(), b.frameTokens(), labelA, labelB);
  if (a.names() != b.names())
    throw std::logic_error("pairedBootstrap: the two sides measure different metrics");
}

}  // namespace

PairedComparison pairedBootstrap(const ResampledMetrics& a, const ResampledMetrics& b,
                                 const BootstrapOptions& options, const std::string& labelA,
                                 const std::string& labelB) {
  requireComparable(a, b, options, labelA, labelB);
  return bootstrapFirstFrames(a, b, options, a.frames(), labelA, labelB);
}

std::vector<PairedComparison> pairedBootstrapByFrames(const ResampledMetrics& a, const ResampledMetrics& b,
                                                      const BootstrapOptions& options,
                                                      const std::vector<size_t>& sizes,
                                                      const std::string& labelA, const std::string& labelB) {
  requireComparable(a, b, options, labelA, labelB);
  std::vector<PairedComparison> out;
  for (size_t n : sizes) {
    if (n < 1 || n > a.frames())
      throw Error(fmt::format("bootstrap: {} frames asked for, the evaluation has {}", n, a.frames()));
    out.push_back(bootstrapFirstFrames(a, b, options, n, labelA, labelB));
  }
  return out;
}

std::vector<size_t> doublingFrameCounts(size_t frames, size_t first) {
  std::vector<size_t> sizes;
  for (size_t n = first; n < frames; n *= 2) sizes.push_back(n);
  sizes.push_back(frames);
  return sizes;
}

}  // namespace cpq
