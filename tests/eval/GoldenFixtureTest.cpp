// The devkit's own numbers on an edge-case scenario (tests/data/eval/nuscenes_eval_small_golden.json):
// every filter decision, every curve and every score must match within 1e-9.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "eval/BoxFilter.h"
#include "eval/DetectionConfig.h"
#include "eval/DetectionMetrics.h"
#include "eval/EvalBox.h"

namespace cpq {
namespace {

using Json = nlohmann::ordered_json;
constexpr double kTol = 1e-9;

double numOrNan(const Json& j) { return j.is_null() ? std::numeric_limits<double>::quiet_NaN() : j.get<double>(); }

template <size_t N>
std::array<double, N> arr(const Json& j) {
  std::array<double, N> a{};
  for (size_t i = 0; i < N; ++i) a[i] = numOrNan(j.at(i));
  return a;
}

EvalBoxes readBoxes(const Json& bySample, bool isGt) {
  EvalBoxes out;
  for (auto it = bySample.begin(); it != bySample.end(); ++it) {
    out.addSample(it.key());
    for (const auto& jb : it.value()) {
      EvalBox b;
      b.sampleToken = jb.at("sample_token").get<std::string>();
      b.translation = arr<3>(jb.at("translation"));
      b.size = arr<3>(jb.at("size"));
      b.rotation = arr<4>(jb.at("rotation"));
      b.velocity = arr<2>(jb.at("velocity"));
      b.detectionName = jb.at("detection_name").get<std::string>();
      b.attributeName = jb.at("attribute_name").get<std::string>();
      if (isGt) {
        b.numPts = jb.at("num_pts").get<int>();
      } else {
        b.detectionScore = jb.at("detection_score").get<double>();
      }
      out.add(b);
    }
  }
  return out;
}

void expectSame(double expected, double actual, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << " should be NaN, is " << actual;
  } else {
    EXPECT_NEAR(expected, actual, kTol) << what;
  }
}

class GoldenFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::ifstream in(std::string(CPQ_TEST_DATA_DIR) + "/eval/nuscenes_eval_small_golden.json");
    ASSERT_TRUE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    fixture_ = new Json(Json::parse(ss.str()));
  }
  static void TearDownTestSuite() {
    delete fixture_;
    fixture_ = nullptr;
  }
  static const Json& fx() { return *fixture_; }

  FilterContext context() const {
    FilterContext ctx;
    for (auto it = fx().at("ego_pose_translation").begin(); it != fx().at("ego_pose_translation").end(); ++it)
      ctx.egoTranslation[it.key()] = arr<3>(it.value());
    for (auto it = fx().at("bicycle_racks").begin(); it != fx().at("bicycle_racks").end(); ++it)
      for (const auto& jr : it.value())
        ctx.bikeRacks[it.key()].push_back({arr<3>(jr.at("translation")), arr<3>(jr.at("size")), arr<4>(jr.at("rotation"))});
    return ctx;
  }

  static Json* fixture_;
};
Json* GoldenFixture::fixture_ = nullptr;

TEST_F(GoldenFixture, ConfigMatchesDefaults) {
  const DetectionConfig fromFile = DetectionConfig::fromJson(fx().at("config"), "fixture");
  const DetectionConfig def = DetectionConfig::defaults();
  EXPECT_EQ(fromFile.classNames, def.classNames);
  EXPECT_EQ(fromFile.classRange, def.classRange);
  EXPECT_EQ(fromFile.distThs, def.distThs);
  EXPECT_EQ(fromFile.distThTp, def.distThTp);
  EXPECT_EQ(fromFile.maxBoxesPerSample, def.maxBoxesPerSample);
  EXPECT_EQ(fromFile.meanApWeight, def.meanApWeight);
}

TEST_F(GoldenFixture, FilteringKeepsTheDevkitsBoxes) {
  const DetectionConfig cfg = DetectionConfig::defaults();
  const FilterContext ctx = context();
  for (const char* kind : {"gt", "pred"}) {
    const EvalBoxes boxes = readBoxes(fx().at(kind), std::string(kind) == "gt");
    const FilterResult r = filterEvalBoxes(boxes, cfg.classRange, ctx);
    for (size_t s = 0; s < boxes.numSamples(); ++s) {
      const std::string& token = boxes.sampleTokens()[s];
      EXPECT_EQ(fx().at("after_filter_counts").at(kind).at(token).get<size_t>(), r.boxes[token].size())
          << kind << " " << token;
      EXPECT_EQ(fx().at("after_filter_kept_index").at(kind).at(token).get<std::vector<int>>(), r.kept[s])
          << kind << " " << token;
    }
  }
}

TEST_F(GoldenFixture, CurvesAndScoresMatchTheDevkit) {
  const DetectionConfig cfg = DetectionConfig::defaults();
  const FilterContext ctx = context();
  const EvalBoxes gt = filterEvalBoxes(readBoxes(fx().at("gt"), true), cfg.classRange, ctx).boxes;
  const EvalBoxes pred = filterEvalBoxes(readBoxes(fx().at("pred"), false), cfg.classRange, ctx).boxes;
  std::map<std::string, DetectionMetricData> md;
  const DetectionMetrics m = evaluateDetection(cfg, gt, pred, &md);

  const Json& mdExp = fx().at("metric_data");
  EXPECT_EQ(mdExp.size(), md.size());
  for (auto it = mdExp.begin(); it != mdExp.end(); ++it) {
    ASSERT_TRUE(md.count(it.key())) << it.key();
    const DetectionMetricData& d = md.at(it.key());
    EXPECT_EQ(it.value().at("max_recall_ind").get<int>(), d.maxRecallInd()) << it.key();
    auto curve = [&](const char* name, const std::vector<double>& actual) {
      const Json& e = it.value().at(name);
      ASSERT_EQ(e.size(), actual.size()) << it.key() << " " << name;
      for (size_t i = 0; i < actual.size(); ++i) expectSame(numOrNan(e[i]), actual[i], it.key() + " " + name + "[" + std::to_string(i) + "]");
    };
    curve("precision", d.precision);
    curve("confidence", d.confidence);
    if (it.value().contains("trans_err")) {
      for (const auto& metric : tpMetricNames()) curve(metric.c_str(), d.errorCurve(metric));
    }
  }

  const Json& ex = fx().at("expected");
  for (const auto& cls : cfg.classNames) {
    for (double th : cfg.distThs)
      expectSame(ex.at("label_aps").at(cls).at(formatThreshold(th)).get<double>(), m.labelAps.at(cls).at(th),
                 "AP " + cls + " " + formatThreshold(th));
    expectSame(ex.at("mean_dist_aps").at(cls).get<double>(), m.meanDistAps.at(cls), "mean AP " + cls);
    for (const auto& metric : tpMetricNames())
      expectSame(numOrNan(ex.at("label_tp_errors").at(cls).at(metric)), m.labelTpErrors.at(cls).at(metric),
                 cls + " " + metric);
  }
  for (const auto& metric : tpMetricNames()) {
    expectSame(numOrNan(ex.at("tp_errors").at(metric)), m.tpErrors.at(metric), "tp_errors " + metric);
    expectSame(numOrNan(ex.at("tp_scores").at(metric)), m.tpScores.at(metric), "tp_scores " + metric);
  }
  EXPECT_NEAR(ex.at("mean_ap").get<double>(), m.meanAp, kTol);
  EXPECT_NEAR(ex.at("nd_score").get<double>(), m.ndScore, kTol);
  EXPECT_NEAR(0.18924853599627248, m.meanAp, kTol);
  EXPECT_NEAR(0.3091084737637518, m.ndScore, kTol);

  // metrics.json layout: fractions, thresholds as "0.5", undefined errors as null.
  const Json j = m.toJson();
  EXPECT_NEAR(m.meanAp, j.at("mean_ap").get<double>(), 0);
  EXPECT_TRUE(j.at("label_aps").at("car").contains("0.5"));
  EXPECT_TRUE(j.at("label_tp_errors").at("traffic_cone").at("attr_err").is_null());
}

}  // namespace
}  // namespace cpq
