// Range-bucketed mAP: membership is [lo, hi) on each box's own BEV distance from the ego, and every
// bucket is scored on its own boxes only.
#include <gtest/gtest.h>

#include <cmath>

#include "core/Error.h"
#include "eval/RangeBucketedMap.h"

namespace cpq {
namespace {

EvalBox at(double x, double y, const std::string& name, double score, int numPts) {
  EvalBox b;
  b.sampleToken = "f0";
  b.translation = {x, y, 0};
  b.size = {2, 4, 1.5};
  b.detectionName = name;
  b.detectionScore = score;
  b.numPts = numPts;
  return b;
}

const std::vector<std::string> kClasses = {"car", "truck", "bus", "bicycle", "pedestrian"};

TEST(RangeBucketedMap, BucketsFromConfig) {
  const auto cfg = RangeBucketConfig::fromRanges(kClasses, {{0, 50}, {50, 90}, {90, 121}});
  ASSERT_EQ(4u, cfg.buckets.size());
  EXPECT_EQ("0-50", cfg.buckets[0].name);
  EXPECT_EQ("90-121", cfg.buckets[2].name);
  EXPECT_EQ("overall", cfg.buckets[3].name);
  EXPECT_EQ(0.0, cfg.buckets[3].lo);
  EXPECT_EQ(121.0, cfg.buckets[3].hi);
  EXPECT_THROW(RangeBucketConfig::fromRanges(kClasses, {{50, 50}}), Error);
  EXPECT_THROW(RangeBucketConfig::fromRanges(kClasses, {}), Error);
}

TEST(RangeBucketedMap, MembershipAtEdges) {
  const auto cfg = RangeBucketConfig::fromRanges(kClasses, {{0, 50}, {50, 90}, {90, 121}});
  const auto& b = cfg.buckets;
  EXPECT_TRUE(b[0].contains(0.0));
  EXPECT_TRUE(b[0].contains(std::nextafter(50.0, 0.0)));
  EXPECT_FALSE(b[0].contains(50.0));
  EXPECT_TRUE(b[1].contains(50.0));
  EXPECT_FALSE(b[1].contains(90.0));
  EXPECT_TRUE(b[2].contains(90.0));
  EXPECT_FALSE(b[2].contains(121.0));
  EXPECT_FALSE(b[3].contains(121.0));
  EXPECT_TRUE(b[3].contains(std::nextafter(121.0, 0.0)));
  // Distance is BEV (z ignored) and along any direction: (30, 40) is exactly 50 m away.
  EvalBoxes boxes;
  boxes.add(at(30, 40, "car", -1, 5));
  boxes.add(at(0, -50, "car", -1, 5));
  boxes.add(at(49.999, 0, "car", -1, 5));
  EXPECT_EQ(1u, selectBucket(boxes, b[0], kClasses).numBoxes());
  EXPECT_EQ(2u, selectBucket(boxes, b[1], kClasses).numBoxes());
  EXPECT_EQ(3u, selectBucket(boxes, b[3], kClasses).numBoxes());
}

TEST(RangeBucketedMap, EachBucketScoresItsOwnBoxes) {
  const auto cfg = RangeBucketConfig::fromRanges(kClasses, {{0, 50}, {50, 90}, {90, 121}});
  EvalBoxes gt, pred;
  // A car straddling the 50 m edge: GT inside 0-50, its prediction 0.2 m further in 50-90.
  gt.add(at(49.9, 0, "car", -1, 10));
  pred.add(at(50.1, 0, "car", 0.9, -1));
  // A pedestrian well inside 50-90, detected.
  gt.add(at(0, 70, "pedestrian", -1, 3));
  pred.add(at(0, 70.3, "pedestrian", 0.8, -1));
  // A GT without points is not evaluated; a truck beyond every bucket is ignored.
  gt.add(at(10, 0, "bus", -1, 0));
  gt.add(at(200, 0, "truck", -1, 10));
  // A class outside the config is ignored.
  gt.add(at(5, 5, "barrier", -1, 10));

  const RangeBucketedResult r = evaluateRangeBucketed(cfg, gt, pred);
  EXPECT_EQ(0.0, r.ap.at("car").at("0-50"));         // GT unmatched there
  EXPECT_EQ(0.0, r.ap.at("car").at("50-90"));        // only a false positive there
  EXPECT_NEAR(1.0, r.ap.at("car").at("overall"), 1e-12);
  EXPECT_NEAR(1.0, r.ap.at("pedestrian").at("50-90"), 1e-12);
  EXPECT_EQ(0.0, r.ap.at("bus").at("overall"));
  EXPECT_EQ(0.0, r.ap.at("truck").at("overall"));
  EXPECT_NEAR(0.2, r.mAP.at("50-90"), 1e-12);
  EXPECT_NEAR(0.4, r.mAP.at("overall"), 1e-12);
  EXPECT_EQ(0.0, r.mAP.at("90-121"));

  const auto j = r.toJson();
  EXPECT_EQ(kClasses, j.at("classes").get<std::vector<std::string>>());
  EXPECT_EQ(std::vector<double>({0, 121}), j.at("buckets").at("overall").get<std::vector<double>>());
  EXPECT_NEAR(0.4, j.at("mAP").at("overall").get<double>(), 1e-12);
  EXPECT_NEAR(1.0, j.at("AP").at("pedestrian").at("50-90").get<double>(), 1e-12);
}

}  // namespace
}  // namespace cpq
