// Results that the devkit would reject with an assert must give one cpq::Error naming the sample token.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/Error.h"
#include "eval/DetectionConfig.h"
#include "eval/DetectionMetrics.h"
#include "eval/ResultsValidation.h"

namespace cpq {
namespace {

EvalBox box(const std::string& token, double score, const std::string& name = "car") {
  EvalBox b;
  b.sampleToken = token;
  b.detectionScore = score;
  b.detectionName = name;
  return b;
}

void expectErrorMentioning(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    FAIL() << "no cpq::Error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

EvalBoxes gtWith(std::initializer_list<std::string> tokens) {
  EvalBoxes gt;
  for (const auto& t : tokens) gt.addSample(t);
  return gt;
}

TEST(BadInput, NanScoreNamesToken) {
  EvalBoxes pred;
  pred.add(box("tokA", 0.5));
  pred.add(box("tokA", std::numeric_limits<double>::quiet_NaN()));
  const auto cfg = DetectionConfig::defaults();
  expectErrorMentioning([&] { validatePredictions(pred, gtWith({"tokA"}), cfg, "results.json"); },
                        {"results.json", "tokA", "detection_score"});
}

TEST(BadInput, TooManyBoxesNamesToken) {
  EvalBoxes pred;
  for (int i = 0; i < 501; ++i) pred.add(box("crowded", 0.5));
  const auto cfg = DetectionConfig::defaults();
  expectErrorMentioning([&] { validatePredictions(pred, gtWith({"crowded"}), cfg, "r.json"); },
                        {"crowded", "501", "500"});
  EvalBoxes ok;
  for (int i = 0; i < 500; ++i) ok.add(box("crowded", 0.5));
  EXPECT_NO_THROW(validatePredictions(ok, gtWith({"crowded"}), cfg, "r.json"));
}

TEST(BadInput, UnknownAndMissingTokens) {
  EvalBoxes pred;
  pred.add(box("known", 0.5));
  pred.add(box("stranger", 0.5));
  const auto cfg = DetectionConfig::defaults();
  expectErrorMentioning([&] { validatePredictions(pred, gtWith({"known"}), cfg, "r.json"); },
                        {"unknown sample token", "stranger"});
  EvalBoxes partial;
  partial.add(box("known", 0.5));
  expectErrorMentioning([&] { validatePredictions(partial, gtWith({"known", "missing"}), cfg, "r.json"); },
                        {"missing"});
}

TEST(BadInput, UnknownClass) {
  EvalBoxes pred;
  pred.add(box("t", 0.5, "spaceship"));
  expectErrorMentioning([&] { validatePredictions(pred, gtWith({"t"}), DetectionConfig::defaults(), "r.json"); },
                        {"spaceship", "t"});
}

TEST(BadInput, ParsedResultsFile) {
  const auto cfg = DetectionConfig::defaults();
  const auto good = nlohmann::ordered_json::parse(R"({"meta": {}, "results": {"b": [], "a": [
      {"sample_token": "a", "translation": [1, 2, 3], "size": [1, 2, 3], "rotation": [1, 0, 0, 0],
       "velocity": [null, null], "detection_name": "car", "detection_score": 0.5, "attribute_name": ""}]}})");
  const EvalBoxes boxes = parseResults(good, cfg, "r.json");
  EXPECT_EQ(std::vector<std::string>({"b", "a"}), boxes.sampleTokens());  // file order kept
  ASSERT_EQ(1u, boxes["a"].size());
  EXPECT_TRUE(std::isnan(boxes["a"][0].velocity[0]));

  auto bad = good;
  bad["results"]["a"][0]["detection_score"] = nullptr;
  expectErrorMentioning([&] { parseResults(bad, cfg, "r.json"); }, {"r.json", "'a'", "detection_score"});
}

}  // namespace
}  // namespace cpq

namespace cpq {
namespace {

TEST(BadInput, ResultsFileErrorsNameTheFile) {
  const auto cfg = DetectionConfig::defaults();
  expectErrorMentioning([&] { loadResultsFile("/nonexistent/results_nusc.json", cfg); },
                        {"/nonexistent/results_nusc.json"});
  expectErrorMentioning([&] { parseResults(nlohmann::ordered_json::parse("{\"meta\": {}}"), cfg, "r.json"); },
                        {"r.json", "results"});
}

TEST(BadInput, DetectionConfigNeedsTpThreshold) {
  auto j = nlohmann::ordered_json::parse(R"({"dist_ths": [0.5, 1.0], "dist_th_tp": 2.0})");
  expectErrorMentioning([&] { DetectionConfig::fromJson(j, "cfg.json"); }, {"cfg.json", "dist_th_tp"});
}

TEST(MetricsFormat, ThresholdKeysLikePython) {
  EXPECT_EQ("0.5", formatThreshold(0.5));
  EXPECT_EQ("2.0", formatThreshold(2.0));
  EXPECT_EQ("0.25", formatThreshold(0.25));
  EXPECT_EQ("car:4.0", metricDataKey("car", 4.0));
}

}  // namespace
}  // namespace cpq
