// The glue between a dataset and the metrics: frame conversions, the results format, and end-to-end scores
// on hand-built samples whose answers are known without running the implementation.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/Error.h"
#include "eval/DatasetEvaluation.h"
#include "eval/PredictionFrames.h"
#include "eval/ResultsComparison.h"
#include "eval/ResultsValidation.h"
#include "eval/ResultsWriter.h"

namespace cpq {
namespace {

// A sample whose lidar sits 1 m ahead of the ego and is yawed by 90 degrees, in an ego pose far from the
// origin and yawed by 30 degrees, so any mistake in the composition order shows.
SampleInfo makeSample(const std::string& token) {
  SampleInfo s;
  s.token = token;
  s.lidarToEgo.rotation = Eigen::Quaterniond(Eigen::AngleAxisd(M_PI / 2, Eigen::Vector3d::UnitZ()));
  s.lidarToEgo.translation = {1.0, 0.0, 1.8};
  s.egoToGlobal.rotation = Eigen::Quaterniond(Eigen::AngleAxisd(M_PI / 6, Eigen::Vector3d::UnitZ()));
  s.egoToGlobal.translation = {400.0, 1200.0, 0.0};
  return s;
}

Detection makeDetection(float x, float y, float yaw, int label, float score) {
  return Detection{x, y, -1.0f, 4.5f, 1.9f, 1.6f, yaw, 2.0f, -1.0f, score, label};
}

TEST(PredictionFrames, DetectionToGlobalByHand) {
  const SampleInfo s = makeSample("s0");
  const EvalBox b = detectionToGlobal(makeDetection(10, 0, 0, 0, 0.9f), "car", s);
  // lidar (10, 0, -1) -> ego: rotate 90 deg -> (0, 10, -1) + (1, 0, 1.8) = (1, 10, 0.8)
  // ego -> global: rotate 30 deg: (cos30 - 10 sin30, sin30 + 10 cos30) + (400, 1200)
  const double c = std::cos(M_PI / 6), sn = std::sin(M_PI / 6);
  EXPECT_NEAR(b.translation[0], 400.0 + c - 10 * sn, 1e-9);
  EXPECT_NEAR(b.translation[1], 1200.0 + sn + 10 * c, 1e-9);
  EXPECT_NEAR(b.translation[2], 0.8, 1e-6);
  EXPECT_NEAR(quaternionYaw(b.rotation), M_PI / 2 + M_PI / 6, 1e-9);  // yaw 0 in lidar = 120 deg global
  EXPECT_DOUBLE_EQ(b.size[0], 1.9f);                                  // w, l, h order
  EXPECT_DOUBLE_EQ(b.size[1], 4.5f);
  // velocity (2, -1) rotated by 120 degrees
  const double a = M_PI / 2 + M_PI / 6;
  EXPECT_NEAR(b.velocity[0], 2 * std::cos(a) + std::sin(a), 1e-6);
  EXPECT_NEAR(b.velocity[1], 2 * std::sin(a) - std::cos(a), 1e-6);
  EXPECT_EQ(b.attributeName, "vehicle.moving");
  EXPECT_FLOAT_EQ(float(b.detectionScore), 0.9f);
}

TEST(PredictionFrames, GlobalToLidarRoundTrip) {
  const SampleInfo s = makeSample("s0");
  const Detection d = makeDetection(-23.5f, 7.25f, 2.5f, 0, 0.5f);
  const EvalBox back = globalToLidar(detectionToGlobal(d, "car", s), s);
  EXPECT_NEAR(back.translation[0], d.x, 1e-5);
  EXPECT_NEAR(back.translation[1], d.y, 1e-5);
  EXPECT_NEAR(back.translation[2], d.z, 1e-5);
  EXPECT_NEAR(quaternionYaw(back.rotation), d.yaw, 1e-6);
  EXPECT_NEAR(back.velocity[0], d.vx, 1e-6);
  EXPECT_NEAR(back.velocity[1], d.vy, 1e-6);
}

TEST(ResultsWriter, RoundTripThroughTheParser) {
  const SampleInfo s = makeSample("tok-a");
  EvalBoxes pred;
  pred.addSample("tok-a");
  pred.addSample("tok-empty");
  pred.add(detectionToGlobal(makeDetection(5, 5, 0.3f, 0, 0.7f), "car", s));
  pred.add(detectionToGlobal(makeDetection(-5, 2, 1.3f, 1, 0.4f), "pedestrian", s));
  const auto j = resultsToJson(pred);
  ASSERT_TRUE(j.contains("meta"));
  EXPECT_EQ(j["meta"]["use_lidar"], true);
  EXPECT_TRUE(j["results"]["tok-empty"].empty());
  const EvalBoxes back = parseResults(j, DetectionConfig::defaults(), "memory");
  ASSERT_EQ(back.sampleTokens(), (std::vector<std::string>{"tok-a", "tok-empty"}));
  ASSERT_EQ(back["tok-a"].size(), 2u);
  const EvalBox& b = back["tok-a"][1];
  EXPECT_EQ(b.detectionName, "pedestrian");
  EXPECT_EQ(b.translation, pred["tok-a"][1].translation);
  EXPECT_EQ(b.rotation, pred["tok-a"][1].rotation);
  EXPECT_EQ(b.attributeName, "pedestrian.moving");
}

TEST(DatasetEvaluation, NuScenesConfigRestrictedToModelClasses) {
  const DetectionConfig c = nuscenesConfigFor({"pedestrian", "car", "bicycle", "truck", "bus"});
  // the devkit's order, not the model's
  EXPECT_EQ(c.classNames, (std::vector<std::string>{"car", "truck", "bus", "pedestrian", "bicycle"}));
  EXPECT_EQ(nuscenesConfigFor({}).classNames.size(), 10u);
  EXPECT_THROW(nuscenesConfigFor({"forklift"}), Error);
}

// Two samples; GT cars at 10 m and 30 m from the lidar (buckets [0, 20) and [20, 40)), a pedestrian at
// 25 m and a GT without points that must be ignored. (Bucket edges: RangeBucketedMapTest.)
struct Scenario {
  std::vector<SampleInfo> samples;
  std::vector<const SampleInfo*> ptrs() const {
    std::vector<const SampleInfo*> p;
    for (const auto& s : samples) p.push_back(&s);
    return p;
  }
};

GtBox gtFromLidar(const SampleInfo& s, double x, double y, const std::string& category,
                  const std::string& cls, int pts) {
  const Detection d = makeDetection(float(x), float(y), 0.4f, 0, 1.0f);
  const EvalBox g = detectionToGlobal(d, cls, s);
  GtBox b;
  b.category = category;
  b.className = cls;
  b.center = {g.translation[0], g.translation[1], g.translation[2]};
  b.size = {g.size[0], g.size[1], g.size[2]};
  b.rotation = Eigen::Quaterniond(g.rotation[0], g.rotation[1], g.rotation[2], g.rotation[3]);
  b.velocity = {g.velocity[0], g.velocity[1]};
  b.attribute = cls == "car" ? "vehicle.moving" : "pedestrian.moving";
  b.numLidarPts = pts;
  return b;
}

Scenario makeScenario() {
  Scenario sc;
  sc.samples = {makeSample("a"), makeSample("b")};
  sc.samples[0].boxes = {gtFromLidar(sc.samples[0], 10, 0, "vehicle.car", "car", 50),
                         gtFromLidar(sc.samples[0], 0, 25, "human.pedestrian.adult", "pedestrian", 8),
                         gtFromLidar(sc.samples[0], -5, -5, "vehicle.car", "car", 0)};
  sc.samples[1].boxes = {gtFromLidar(sc.samples[1], 0, -30, "vehicle.car", "car", 12)};
  return sc;
}

EvalBoxes perfectPredictions(const Scenario& sc) {
  EvalBoxes pred;
  for (const auto& s : sc.samples) {
    pred.addSample(s.token);
    for (const GtBox& g : s.boxes) {
      if (g.numLidarPts == 0) continue;
      EvalBox b;
      b.sampleToken = s.token;
      b.translation = {g.center.x(), g.center.y(), g.center.z()};
      b.size = {g.size.x(), g.size.y(), g.size.z()};
      b.rotation = {g.rotation.w(), g.rotation.x(), g.rotation.y(), g.rotation.z()};
      b.velocity = {g.velocity.x(), g.velocity.y()};
      b.detectionName = g.className;
      b.detectionScore = 0.8;
      b.attributeName = g.attribute;
      pred.add(b);
    }
  }
  return pred;
}

EvaluationOptions bothMetrics() {
  EvaluationOptions o;
  o.nuscenes = nuscenesConfigFor({"car", "pedestrian"});
  o.rangeBuckets = RangeBucketConfig::fromRanges({"car", "pedestrian"}, {{0, 20}, {20, 40}});
  return o;
}

TEST(DatasetEvaluation, PerfectPredictionsScoreOne) {
  const Scenario sc = makeScenario();
  const EvaluationReport r = evaluatePredictions(sc.ptrs(), perfectPredictions(sc), bothMetrics(), "test");
  ASSERT_TRUE(r.nuscenes && r.t4);
  EXPECT_EQ(r.frames, 2u);
  EXPECT_NEAR(r.nuscenes->meanAp, 1.0, 1e-12);
  EXPECT_NEAR(r.t4->mAP.at("overall"), 1.0, 1e-12);
  EXPECT_NEAR(r.t4->ap.at("car").at("0-20"), 1.0, 1e-12);
  EXPECT_NEAR(r.t4->ap.at("car").at("20-40"), 1.0, 1e-12);
  // no pedestrian GT within [0, 20): AP 0 there
  EXPECT_NEAR(r.t4->ap.at("pedestrian").at("0-20"), 0.0, 1e-12);
  EXPECT_NEAR(r.t4->ap.at("pedestrian").at("20-40"), 1.0, 1e-12);
  const auto j = r.toJson();
  EXPECT_EQ(j["frames"], 2);
  EXPECT_TRUE(j["t4"]["mAP"].contains("overall"));
  EXPECT_NE(r.summaryMarkdown().find("| car |"), std::string::npos);
}

TEST(DatasetEvaluation, MissingCarHalvesRecall) {
  const Scenario sc = makeScenario();
  EvalBoxes pred = perfectPredictions(sc);
  pred.boxes(1).clear();  // the 30 m car of sample b is missed
  const EvaluationReport r = evaluatePredictions(sc.ptrs(), pred, bothMetrics(), "test");
  // recall 0.5 with precision 1: AP = mean over recall bins 0.11..1.0 of max(p - 0.1, 0) / 0.9, where the
  // bins above 0.5 have precision 0: 40 of 90 bins at 0.9 -> 40 / 90
  EXPECT_NEAR(r.t4->ap.at("car").at("overall"), 40.0 / 90.0, 1e-12);
  EXPECT_NEAR(r.t4->ap.at("car").at("20-40"), 0.0, 1e-12);
  EXPECT_NEAR(r.t4->ap.at("car").at("0-20"), 1.0, 1e-12);
}

TEST(DatasetEvaluation, UnknownSampleTokenIsAnError) {
  const Scenario sc = makeScenario();
  EvalBoxes pred = perfectPredictions(sc);
  pred.addSample("not-a-sample");
  try {
    evaluatePredictions(sc.ptrs(), pred, bothMetrics(), "results.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not-a-sample"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("results.json"), std::string::npos) << e.what();
  }
}

std::string writeResults(const EvalBoxes& pred, const std::string& name) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("cpq_compare_" + std::to_string(::getpid()) + "_" + name + ".json"))
                               .string();
  std::ofstream(path) << resultsToJson(pred).dump();
  return path;
}

// eval --compare: two results files of the same frames, scored on the split, with paired intervals. With
// two frames a resample is {a, a}, {a, b}, {b, a} or {b, b}; the difference is 0 on {a, a} and negative
// otherwise, so the interval spans from the {b, b} difference to 0.
TEST(ResultsComparison, ComparesTwoResultsFilesOfTheSameFrames) {
  const Scenario sc = makeScenario();
  EvalBoxes missed = perfectPredictions(sc);
  missed.boxes(1).clear();
  const std::string a = writeResults(perfectPredictions(sc), "a"), b = writeResults(missed, "b");
  BootstrapOptions opt;
  opt.resamples = 200;
  const ResultsComparison c =
      compareResultsFiles(sc.ptrs(), a, b, bothMetrics(), nuscenesConfigFor({"car", "pedestrian"}), opt);
  const PairedInterval* overall = c.paired.find("t4.mAP.overall");
  ASSERT_NE(overall, nullptr);
  EXPECT_NEAR(overall->a, 1.0, 1e-12);
  EXPECT_NEAR(overall->diff, c.b.t4->mAP.at("overall") - 1.0, 1e-12);
  EXPECT_LT(overall->diff, 0);
  EXPECT_EQ(overall->hi, 0.0);
  EXPECT_LT(overall->lo, overall->diff);
  EXPECT_EQ(c.paired.frames, 2u);
  EXPECT_NE(c.paired.find("nuscenes.mAP"), nullptr);
  EXPECT_NE(c.markdown().find("t4.mAP.overall"), std::string::npos);
  EXPECT_NE(c.markdown().find("A = `" + a + "`, B = `" + b + "`"), std::string::npos);
  EXPECT_EQ(c.toJson()["files"][1], b);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

TEST(ResultsComparison, DifferentFrameSetsAreNamed) {
  const Scenario sc = makeScenario();
  const EvalBoxes perfect = perfectPredictions(sc);
  EvalBoxes onlyA;
  onlyA.addSample("a");
  for (const auto& x : perfect.boxes(0)) onlyA.add(x);
  const std::string a = writeResults(perfectPredictions(sc), "full"), b = writeResults(onlyA, "onlya");
  try {
    compareResultsFiles(sc.ptrs(), a, b, bothMetrics(), nuscenesConfigFor({"car", "pedestrian"}), {});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("only in " + a + ": b"), std::string::npos) << m;
  }
  BootstrapOptions few;
  few.resamples = 10;
  EXPECT_THROW(
      compareResultsFiles(sc.ptrs(), a, a, bothMetrics(), nuscenesConfigFor({"car", "pedestrian"}), few),
      Error);
  std::filesystem::remove(a);
  std::filesystem::remove(b);
}

}  // namespace
}  // namespace cpq
