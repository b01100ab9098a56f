// nuScenes detection metric on a validation-sized set: 6,000 frames with 100 GT and 100 predicted boxes
// each (10 classes), filtering plus accumulate / AP / TP errors for every class and threshold.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "eval/BoxFilter.h"
#include "eval/DetectionConfig.h"
#include "eval/DetectionMetrics.h"
#include "eval/PairedBootstrap.h"

namespace {

struct Sets {
  cpq::EvalBoxes gt, pred;
  cpq::FilterContext ctx;
};

// Predictions are GT jittered by up to ~1.5 m with random scores, plus misses and false positives, so the
// matching does real work at every threshold.
Sets makeSets(int frames, int boxes) {
  const cpq::DetectionConfig cfg = cpq::DetectionConfig::defaults();
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> pos(-45, 45), jitter(-1.5, 1.5), unit(0, 1), yaw(-M_PI, M_PI);
  Sets s;
  for (int f = 0; f < frames; ++f) {
    const std::string token = "sample_" + std::to_string(f);
    s.gt.addSample(token);
    s.pred.addSample(token);
    s.ctx.egoTranslation[token] = {0, 0, 0};
    for (int b = 0; b < boxes; ++b) {
      cpq::EvalBox g;
      g.sampleToken = token;
      g.translation = {pos(rng), pos(rng), 0.5};
      g.size = {1.9, 4.5, 1.6};
      const double a = yaw(rng);
      g.rotation = {std::cos(a / 2), 0, 0, std::sin(a / 2)};
      g.velocity = {unit(rng), unit(rng)};
      g.detectionName = cfg.classNames[size_t(b) % cfg.classNames.size()];
      g.attributeName = "";
      g.numPts = 10;
      s.gt.add(g);
      cpq::EvalBox p = g;
      p.numPts = -1;
      p.detectionScore = unit(rng);
      if (unit(rng) < 0.8) {
        p.translation[0] += jitter(rng);
        p.translation[1] += jitter(rng);
      } else {
        p.translation = {pos(rng), pos(rng), 0.5};
      }
      s.pred.add(p);
    }
  }
  return s;
}

void BM_NuScenesMetric(benchmark::State& state) {
  const Sets s = makeSets(int(state.range(0)), int(state.range(1)));
  const cpq::DetectionConfig cfg = cpq::DetectionConfig::defaults();
  for (auto _ : state) {
    const auto g = cpq::filterEvalBoxes(s.gt, cfg.classRange, s.ctx);
    const auto p = cpq::filterEvalBoxes(s.pred, cfg.classRange, s.ctx);
    const cpq::DetectionMetrics m = cpq::evaluateDetection(cfg, g.boxes, p.boxes);
    benchmark::DoNotOptimize(m.meanAp);
  }
  state.counters["boxes"] = double(state.range(0) * state.range(1));
}
BENCHMARK(BM_NuScenesMetric)->Args({6000, 100})->Unit(benchmark::kMillisecond)->Iterations(1)->Repetitions(3);

// The paired bootstrap of the goal: 1,000 resamples of 1,000 frames, the demo's five classes and
// range buckets (three plus overall), 50 GT boxes per frame (the synthetic demo data has 52.9 objects per
// keyframe) and two models of about 95 detections per frame each: 45 near GT, 50 low-score false positives
// (the AWML decoder keeps up to 100 boxes above score 0.1). One thread; includes the matching of both models.
void BM_PairedBootstrap(benchmark::State& state) {
  const int frames = int(state.range(0));
  const std::vector<std::string> classes{"car", "truck", "bus", "bicycle", "pedestrian"};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> pos(-50, 50), jitter(-1.2, 1.2), unit(0, 1);
  cpq::PreparedEvaluation a, b;
  a.rangeBuckets = cpq::RangeBucketConfig::fromRanges(classes, {{0, 20}, {20, 35}, {35, 52}});
  b.rangeBuckets = a.rangeBuckets;
  for (int f = 0; f < frames; ++f) {
    const std::string token = "sample_" + std::to_string(f);
    for (auto* p : {&a, &b}) {
      p->lidarGt.addSample(token);
      p->lidarPred.addSample(token);
    }
    for (int i = 0; i < 50; ++i) {
      cpq::EvalBox g;
      g.sampleToken = token;
      g.translation = {pos(rng), pos(rng), 0};
      g.detectionName = classes[size_t(i) % classes.size()];
      g.numPts = 10;
      a.lidarGt.add(g);
      b.lidarGt.add(g);
      for (auto* p : {&a, &b}) {
        if (unit(rng) < 0.1) continue;
        cpq::EvalBox d = g;
        d.numPts = -1;
        d.detectionScore = unit(rng);
        d.translation[0] += jitter(rng);
        d.translation[1] += jitter(rng);
        p->lidarPred.add(d);
      }
    }
    for (auto* p : {&a, &b})
      for (int i = 0; i < 50; ++i) {
        cpq::EvalBox d;
        d.sampleToken = token;
        d.translation = {pos(rng), pos(rng), 0};
        d.detectionName = classes[size_t(i) % classes.size()];
        d.detectionScore = 0.1 + 0.4 * unit(rng);
        p->lidarPred.add(d);
      }
  }
  cpq::BootstrapOptions opt;
  opt.resamples = int(state.range(1));
  for (auto _ : state) {
    const cpq::PairedComparison c =
        cpq::pairedBootstrap(cpq::ResampledMetrics(a), cpq::ResampledMetrics(b), opt, "A", "B");
    benchmark::DoNotOptimize(c.metrics.back().lo);
  }
  state.counters["frames"] = frames;
  state.counters["resamples"] = double(opt.resamples);
}
BENCHMARK(BM_PairedBootstrap)
    ->Args({1000, 1000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3);

}  // namespace

BENCHMARK_MAIN();
