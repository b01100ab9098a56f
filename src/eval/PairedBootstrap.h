#pragma once
// Paired bootstrap confidence intervals for the difference of two models' metrics on the same frames
// (FP32 vs INT8, recipe A vs recipe B). A resample draws the evaluation frames with replacement (seeded);
// both models are scored on the same resample and the 2.5th / 97.5th percentiles of the differences give
// the 95% interval. Matching is decided within a frame (a detection only matches GT of its own sample), so
// each detection's TP/FP outcome is computed once (FrameMatches) and a resample only re-weights frames.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset/Sample.h"
#include "eval/DatasetEvaluation.h"
#include "eval/EvalBox.h"
#include "eval/FrameMatches.h"

namespace cpq {

struct BootstrapOptions {
  int resamples = 1000;  // in [kMinResamples, kMaxResamples]
  uint64_t seed = 0;
  double confidence = 0.95;  // central interval

  static constexpr int kMinResamples = 100;
  static constexpr int kMaxResamples = 100000;
  // cpq::Error naming `what` (e.g. "--bootstrap") on a count outside the limits or a confidence outside (0,
  // 1).
  void validate(const std::string& what) const;
};

// One metric of two models on the same frames.
struct PairedInterval {
  std::string metric;     // "t4.mAP.overall", "t4.mAP.0-20", "nuscenes.mAP"
  double a = 0, b = 0;    // on the full evaluation set
  double diff = 0;        // b - a on the full set
  double lo = 0, hi = 0;  // percentile interval of b - a over the resamples
  double halfWidth() const { return (hi - lo) / 2; }
};

struct PairedComparison {
  std::string labelA, labelB;  // "FP32", "INT8"
  size_t frames = 0;
  BootstrapOptions options;
  std::vector<PairedInterval> metrics;
  double seconds = 0;  // wall time of the resampling

  // nullptr when absent.
  const PairedInterval* find(const std::string& metric) const;
  nlohmann::ordered_json toJson() const;
  // A Markdown table: metric | A | B | B - A | 95% interval.
  std::string markdown() const;
};

// Every metric that is a mean of APs (nuScenes mAP; range-bucketed mAP per bucket) as frame-weighted
// curves. Frames are the prepared GT's samples in order.
class ResampledMetrics {
 public:
  explicit ResampledMetrics(const PreparedEvaluation& prepared);
  // Predictions of `source` over `samples`, validated and prepared as evaluatePredictions does.
  ResampledMetrics(const std::vector<const SampleInfo*>& samples, const EvalBoxes& predGlobal,
                   const EvaluationOptions& options, const std::string& source);

  size_t frames() const { return frameTokens_.size(); }
  const std::vector<std::string>& frameTokens() const { return frameTokens_; }
  const std::vector<std::string>& names() const { return names_; }  // "nuscenes.mAP", "t4.mAP.<bucket>"
  // Every metric with frame f counted weights[f] times (weights.size() == frames()); with every weight 1
  // the values evaluatePredictions reports.
  std::vector<double> evaluate(const std::vector<uint32_t>& weights) const;

 private:
  struct Metric {
    std::vector<FrameMatches> perClass;  // every threshold of a class in one
    double minRecall = 0.1, minPrecision = 0.1;
  };
  void addMetric(const std::string& name, const std::vector<std::string>& classes,
                 const std::vector<double>& distThs, double minRecall, double minPrecision,
                 const EvalBoxes& gt, const EvalBoxes& pred);

  std::vector<std::string> frameTokens_;
  std::vector<std::string> names_;
  std::vector<Metric> metrics_;
};

// The resamples' frame counts: each resample draws `frames` frame indices uniformly with replacement from
// a mt19937_64 stream seeded with `seed` (unbiased bounded draws), so the same seed gives the same
// resamples on every platform.
class BootstrapSampler {
 public:
  BootstrapSampler(size_t frames, uint64_t seed);
  // The next resample's count per frame (resized to frames).
  void next(std::vector<uint32_t>& counts);

 private:
  size_t frames_;
  std::mt19937_64 rng_;
};

// cpq::Error when the two frame lists differ, naming (up to five of) the frames only one side has.
void requireSameFrames(const std::vector<std::string>& a, const std::vector<std::string>& b,
                       const std::string& labelA, const std::string& labelB);

// Both models on the same frames and resamples. cpq::Error when they were built on different frames
// (naming the first frames that differ) or the options are invalid.
PairedComparison pairedBootstrap(const ResampledMetrics& a, const ResampledMetrics& b,
                                 const BootstrapOptions& options, const std::string& labelA,
                                 const std::string& labelB);

// The same comparison restricted to the first n frames, for each n in `sizes` (each in [1, frames]): how
// the interval narrows as the evaluation set grows (resamples draw from the first n frames only).
std::vector<PairedComparison> pairedBootstrapByFrames(const ResampledMetrics& a, const ResampledMetrics& b,
                                                      const BootstrapOptions& options,
                                                      const std::vector<size_t>& sizes,
                                                      const std::string& labelA, const std::string& labelB);

// 50, 100, 200, ... below `frames`, then `frames` itself.
std::vector<size_t> doublingFrameCounts(size_t frames, size_t first = 50);

// numpy.percentile's default (linear) of sorted values, q in [0, 100].
double percentileOfSorted(const std::vector<double>& sorted, double q);

}  // namespace cpq
