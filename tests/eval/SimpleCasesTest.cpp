// The devkit's hand-made AP / TP cases (test_algo.py TestAPSimple / TestTPSimple), checked against the
// exact values the devkit computes (its own tests only check within 0.01 of the analytic targets).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/Accumulate.h"
#include "eval/BoxErrors.h"
#include "eval/DetectionMetrics.h"
#include "eval/NumpyCompat.h"

namespace cpq {
namespace {

constexpr double kTol = 1e-9;

struct Spec {
  std::string sample;
  double x, y;
  double score = -1.0;
  std::string name = "car";
  std::array<double, 3> size{1, 1, 1};
};

// The devkit test's defaults: size 1, zero quaternion, zero velocity, attribute vehicle.parked.
EvalBoxes boxes(const std::vector<Spec>& specs, const std::vector<std::string>& samples) {
  EvalBoxes out;
  for (const auto& s : samples) out.addSample(s);
  for (const auto& s : specs) {
    EvalBox b;
    b.sampleToken = s.sample;
    b.translation = {s.x, s.y, 1};
    b.size = s.size;
    b.rotation = {0, 0, 0, 0};
    b.attributeName = "vehicle.parked";
    b.detectionName = s.name;
    b.detectionScore = s.score;
    out.add(b);
  }
  return out;
}

double ap(const EvalBoxes& gt, const EvalBoxes& pred) { return calcAp(accumulate(gt, pred, "car", 2.0), 0.1, 0.1); }
double transErr(const EvalBoxes& gt, const EvalBoxes& pred) {
  return calcTp(accumulate(gt, pred, "car", 2.0), 0.1, "trans_err");
}

const Spec car1{"s1", 1, 1, 1.0};
const Spec car2{"s1", 3, 3, 0.7};
const Spec bicycle1{"s1", 5, 5, 1.0, "bicycle"};

TEST(SimpleCases, ApNoData) {
  EXPECT_EQ(0.0, ap(boxes({}, {"s1"}), boxes({car1}, {"s1"})));
  EXPECT_EQ(0.0, ap(boxes({car1}, {"s1"}), boxes({}, {"s1"})));
  EXPECT_EQ(0.0, ap(boxes({}, {"s1"}), boxes({}, {"s1"})));
}

TEST(SimpleCases, ApOneSample) {
  EXPECT_NEAR(1.0, ap(boxes({car1}, {"s1"}), boxes({car1}, {"s1"})), kTol);
  // One of two objects detected.
  EXPECT_NEAR(0.4444444444444445, ap(boxes({car1, car2}, {"s1"}), boxes({car1}, {"s1"})), kTol);
  // A TP followed by a lower-score FP: np.interp takes the rightmost duplicate recall, precision 0.5 at 1.0.
  EXPECT_NEAR(0.9938271604938275, ap(boxes({car1}, {"s1"}), boxes({car1, car2}, {"s1"})), kTol);
  // The FP scores higher than the TP.
  EXPECT_NEAR(0.19999999999999998, ap(boxes({car2}, {"s1"}), boxes({car1, car2}, {"s1"})), kTol);
  // An FP of another class does not count.
  EXPECT_NEAR(1.0, ap(boxes({car1}, {"s1"}), boxes({car1, bicycle1}, {"s1"})), kTol);
}

TEST(SimpleCases, ApTwoSamples) {
  const Spec car2s2{"s2", 3, 3, 0.7};
  EXPECT_NEAR(1.0, ap(boxes({car1, car2s2}, {"s1", "s2"}), boxes({car1, car2s2}, {"s1", "s2"})), kTol);
  EXPECT_NEAR(1.0, ap(boxes({car1}, {"s1", "s2"}), boxes({car1}, {"s1", "s2"})), kTol);
  EXPECT_NEAR(0.4444444444444445, ap(boxes({car1, car2s2}, {"s1", "s2"}), boxes({car1}, {"s1", "s2"})), kTol);
}

TEST(SimpleCases, TpErrors) {
  const Spec gt1{"s1", 1, 1};
  const Spec gt2{"s1", 10, 10, -1.0, "car", {2, 2, 2}};
  const Spec gt3{"s1", 20, 20, -1.0, "car", {2, 4, 2}};
  const Spec pred1{"s1", 1, 1, 1.0};
  const Spec pred2{"s1", 11, 10, 0.9, "car", {2, 2, 2}};
  const Spec pred3{"s1", 100, 10, 0.8, "car", {2, 2, 2}};
  const Spec pred4{"s1", 20, 20, 0.7, "car", {2, 4, 2}};
  const Spec pred5{"s1", 21, 20, 0.7, "car", {2, 4, 2}};
  EXPECT_NEAR(1.0, transErr(boxes({gt2}, {"s1"}), boxes({pred2}, {"s1"})), kTol);
  EXPECT_NEAR(0.14166666666666672, transErr(boxes({gt1, gt2}, {"s1"}), boxes({pred1, pred2}, {"s1"})), kTol);
  EXPECT_NEAR(0.14166666666666672, transErr(boxes({gt1, gt2}, {"s1"}), boxes({pred1, pred2, pred3}, {"s1"})), kTol);
  EXPECT_NEAR(0.2487592592592593, transErr(boxes({gt1, gt2, gt3}, {"s1"}), boxes({pred1, pred2, pred4}, {"s1"})), kTol);
  EXPECT_NEAR(1.0, transErr(boxes({gt2, gt3}, {"s1"}), boxes({pred2, pred5}, {"s1"})), kTol);
}

TEST(SimpleCases, NoMatchGivesUnitErrors) {
  const Spec far{"s1", 3, 3, 1.0};
  const DetectionMetricData d = accumulate(boxes({car1}, {"s1"}), boxes({far}, {"s1"}), "car", 2.0);
  for (const auto& m : tpMetricNames()) EXPECT_EQ(1.0, calcTp(d, 0.1, m)) << m;
  EXPECT_EQ(0, d.maxRecallInd());
}

TEST(SimpleCases, MatchThresholdIsStrict) {
  const Spec gt{"s1", 0, 0};
  const Spec exactly2{"s1", 2, 0, 0.9};
  EXPECT_EQ(0.0, ap(boxes({gt}, {"s1"}), boxes({exactly2}, {"s1"})));
  EXPECT_NEAR(1.0, calcAp(accumulate(boxes({gt}, {"s1"}), boxes({exactly2}, {"s1"}), "car", 4.0), 0.1, 0.1), kTol);
}

TEST(SimpleCases, AngleDiffAndYaw) {
  EXPECT_NEAR(0.0, angleDiff(M_PI - 0.1, -0.1, M_PI), 1e-12);  // barrier flip is free
  EXPECT_NEAR(M_PI, std::abs(angleDiff(M_PI / 2, -M_PI / 2, 2 * M_PI)), 1e-12);
  // Non-unit quaternion for a 90 degree yaw.
  EXPECT_NEAR(M_PI / 2, quaternionYaw({2 * std::cos(M_PI / 4), 0, 0, 2 * std::sin(M_PI / 4)}), 1e-12);
  EXPECT_EQ(0.0, quaternionYaw({0, 0, 0, 0}));
}

TEST(SimpleCases, NumpyInterpTakesRightmostDuplicate) {
  const auto r = npc::interp({0.0, 0.5, 1.0, 1.5}, {0.0, 1.0, 1.0}, {2.0, 4.0, 6.0}, 9.0, 0.0);
  EXPECT_EQ(2.0, r[0]);
  EXPECT_EQ(3.0, r[1]);
  EXPECT_EQ(6.0, r[2]);
  EXPECT_EQ(0.0, r[3]);
  EXPECT_EQ(std::vector<double>({1, 1}), cummean({NAN, NAN}));
  EXPECT_EQ(std::vector<double>({0, 2, 3}), cummean({NAN, 2, 4}));
}

}  // namespace
}  // namespace cpq
