#include <gtest/gtest.h>

#include <cmath>

#include "train/GlobalAugmentation.h"
#include "train/PointFilters.h"
#include "train/PointsInBoxes.h"
#include "train/Rng.h"
#include "train/TrainPipeline.h"
#include "train/TrainTestSupport.h"

namespace cpq {
namespace {

using testing::makeBox;
constexpr double kPi = 3.14159265358979323846;

TrainFrame onePointFrame(float x, float y, float z, const LidarBox& box) {
  TrainFrame f;
  f.points = at::tensor({x, y, z, 7.0f, 0.0f}).view({1, 5});
  f.boxes = {box};
  return f;
}

TEST(Rng, Mt19937_64IsTheStandardSequence) {
  // C++ [rand.predef]: the 10000th output of a default-constructed mt19937_64 (seed 5489).
  Rng rng(5489);
  uint64_t v = 0;
  for (int i = 0; i < 10000; ++i) v = rng.nextU64();
  EXPECT_EQ(v, 9981545732273789042ULL);
}

TEST(Rng, DistributionsStayInRangeAndHaveTheirMoments) {
  Rng rng(7);
  double sum = 0, sumSq = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform(-2.0, 3.0);
    ASSERT_GE(u, -2.0);
    ASSERT_LT(u, 3.0);
    ASSERT_LT(rng.below(7), 7u);
    const double g = rng.normal(1.0, 2.0);
    sum += g;
    sumSq += g * g;
  }
  const double mean = sum / n, var = sumSq / n - mean * mean;
  EXPECT_NEAR(mean, 1.0, 0.06);
  EXPECT_NEAR(std::sqrt(var), 2.0, 0.06);
  EXPECT_NE(Rng::forSample(1, 0, 0).nextU64(), Rng::forSample(1, 0, 1).nextU64());
  EXPECT_EQ(Rng::forSample(1, 2, 3).nextU64(), Rng::forSample(1, 2, 3).nextU64());
}

TEST(GlobalAugmentation, FlipsNegateOneAxisAsMmdet3d) {
  TrainFrame h = onePointFrame(1, 2, 3, makeBox(1, 2, 3, 4, 2, 1, 0.3, 0, 5, 6));
  flipBev(h, /*horizontal=*/true);
  EXPECT_EQ(h.points[0][1].item<float>(), -2.0f);
  EXPECT_EQ(h.points[0][0].item<float>(), 1.0f);
  EXPECT_DOUBLE_EQ(h.boxes[0].center.y(), -2.0);
  EXPECT_DOUBLE_EQ(h.boxes[0].yaw, -0.3);
  EXPECT_DOUBLE_EQ(h.boxes[0].velocity.y(), -6.0);
  EXPECT_DOUBLE_EQ(h.boxes[0].velocity.x(), 5.0);

  TrainFrame v = onePointFrame(1, 2, 3, makeBox(1, 2, 3, 4, 2, 1, 0.3, 0, 5, 6));
  flipBev(v, /*horizontal=*/false);
  EXPECT_EQ(v.points[0][0].item<float>(), -1.0f);
  EXPECT_DOUBLE_EQ(v.boxes[0].center.x(), -1.0);
  EXPECT_DOUBLE_EQ(v.boxes[0].yaw, kPi - 0.3);
  EXPECT_DOUBLE_EQ(v.boxes[0].velocity.x(), -5.0);
}

TEST(GlobalAugmentation, RotateScaleTranslateMoveBoxesWithPoints) {
  TrainFrame f = onePointFrame(1, 0, 0, makeBox(1, 0, 0, 4, 2, 1, 0.0, 0, 1, 0));
  rotateGlobal(f, kPi / 2);
  EXPECT_NEAR(f.points[0][0].item<float>(), 0.0f, 1e-6);
  EXPECT_NEAR(f.points[0][1].item<float>(), 1.0f, 1e-6);
  EXPECT_NEAR(f.boxes[0].center.y(), 1.0, 1e-12);
  EXPECT_NEAR(f.boxes[0].yaw, kPi / 2, 1e-12);
  EXPECT_NEAR(f.boxes[0].velocity.y(), 1.0, 1e-12);
  scaleGlobal(f, 2.0);
  EXPECT_NEAR(f.points[0][1].item<float>(), 2.0f, 1e-6);
  EXPECT_DOUBLE_EQ(f.boxes[0].length, 8.0);
  EXPECT_DOUBLE_EQ(f.boxes[0].height, 2.0);
  EXPECT_NEAR(f.boxes[0].velocity.y(), 2.0, 1e-12);
  translateGlobal(f, {0.5, -1.0, 0.25});
  EXPECT_NEAR(f.points[0][2].item<float>(), 0.25f, 1e-6);
  EXPECT_NEAR(f.boxes[0].center.z(), 0.25, 1e-12);
  EXPECT_EQ(f.points[0][3].item<float>(), 7.0f);  // intensity untouched
}

// Points sampled inside each box (in the box's own frame) must stay inside it through any augmentation.
TEST(GlobalAugmentation, PointsInsideABoxStayInside) {
  Rng sampler(11);
  TrainFrame f;
  std::vector<float> rows;
  std::vector<int> owner;
  for (int b = 0; b < 6; ++b) {
    const LidarBox box = makeBox(sampler.uniform(-30, 30), sampler.uniform(-30, 30), sampler.uniform(-2, 1),
                                 sampler.uniform(1, 8), sampler.uniform(0.5, 3), sampler.uniform(1, 3),
                                 sampler.uniform(-kPi, kPi), b % 5);
    f.boxes.push_back(box);
    for (int i = 0; i < 50; ++i) {
      const double a = sampler.uniform(-0.45, 0.45) * box.length,
                   c = sampler.uniform(-0.45, 0.45) * box.width;
      const double z = box.center.z() + sampler.uniform(-0.45, 0.45) * box.height;
      const double x = box.center.x() + a * std::cos(box.yaw) - c * std::sin(box.yaw);
      const double y = box.center.y() + a * std::sin(box.yaw) + c * std::cos(box.yaw);
      rows.insert(rows.end(),
                  {static_cast<float>(x), static_cast<float>(y), static_cast<float>(z), 1.0f, 0.0f});
      owner.push_back(b);
    }
  }
  f.points = at::tensor(rows).view({-1, 5});
  for (uint64_t seed = 0; seed < 8; ++seed) {
    Rng rng(seed);
    AugmentationDraw d = drawAugmentation(AugmentationConfig{}, rng);
    d.flipHorizontal = seed & 1;  // cover all four flip combinations
    d.flipVertical = seed & 2;
    const TrainFrame out = applyAugmentation(f, d);
    const at::Tensor p = out.points.contiguous();
    for (int64_t i = 0; i < p.size(0); ++i) {
      const float* r = p.data_ptr<float>() + i * 5;
      ASSERT_TRUE(pointInBox(out.boxes[static_cast<std::size_t>(owner[static_cast<std::size_t>(i)])], r[0],
                             r[1], r[2]))
          << "seed " << seed << " point " << i;
    }
    EXPECT_EQ(countPointsInBoxes(out.points, out.boxes), std::vector<int64_t>(6, 50));
  }
  EXPECT_TRUE(f.points.equal(at::tensor(rows).view({-1, 5})));  // the input is never written
}

TEST(GlobalAugmentation, DrawsFollowTheConfig) {
  AugmentationConfig cfg;
  Rng rng(3);
  int flipsH = 0;
  for (int i = 0; i < 2000; ++i) {
    const AugmentationDraw d = drawAugmentation(cfg, rng);
    flipsH += d.flipHorizontal;
    ASSERT_GE(d.rotation, -1.571);
    ASSERT_LT(d.rotation, 1.571);
    ASSERT_GE(d.scale, 0.8);
    ASSERT_LT(d.scale, 1.2);
  }
  EXPECT_NEAR(flipsH / 2000.0, 0.5, 0.05);
  cfg.flipRatioBevHorizontal = 0;
  cfg.translationStd = {0, 0, 0};
  const AugmentationDraw d = drawAugmentation(cfg, rng);
  EXPECT_FALSE(d.flipHorizontal);
  EXPECT_EQ(d.translation[2], 0.0);
}

TEST(PointFilters, RangesAreStrictAndYawIsWrapped) {
  const std::array<float, 6> range{-10, -10, -3, 10, 10, 5};
  const at::Tensor pts = at::tensor({0.f,   0.f,  0.f,  1.f, 0.f,  //
                                     10.f,  0.f,  0.f,  1.f, 0.f,  // on the x_max face: out
                                     -9.9f, 9.9f, 4.9f, 1.f, 0.f, 0.f, 0.f, -3.f, 1.f, 0.f})
                             .view({-1, 5});
  const at::Tensor kept = pointsInRange(pts, range);
  ASSERT_EQ(kept.size(0), 2);
  EXPECT_EQ(kept[1][0].item<float>(), -9.9f);
  const auto boxes =
      objectsInBevRange({makeBox(0, 0, 100, 1, 1, 1, 4.0, 0), makeBox(-10, 0, 0, 1, 1, 1, 0, 0),
                         makeBox(9, -9, 0, 1, 1, 1, -3.5, 1)},
                        range);
  ASSERT_EQ(boxes.size(), 2u);                      // z is not tested; the face x = -10 is out
  EXPECT_NEAR(boxes[0].yaw, 4.0 - 2 * kPi, 1e-12);  // into [-pi, pi)
  EXPECT_NEAR(boxes[1].yaw, -3.5 + 2 * kPi, 1e-12);
  EXPECT_EQ(objectsOfKnownClass({makeBox(0, 0, 0, 1, 1, 1, 0, -1), makeBox(0, 0, 0, 1, 1, 1, 0, 3)}).size(),
            1u);
}

TEST(PointFilters, MinPointsCountsTheCloudNotTheAnnotation) {
  LidarBox four = makeBox(0, 0, 0, 2, 2, 2, 0, 0), five = makeBox(10, 0, 0, 2, 2, 2, 0.7, 1);
  four.numPts = 100;  // ignored, as AWML ignores num_lidar_pts here
  five.numPts = 0;
  std::vector<float> rows;
  for (int i = 0; i < 4; ++i) rows.insert(rows.end(), {0.1f * i, 0.0f, 0.0f, 0.0f, 0.0f});
  for (int i = 0; i < 5; ++i) rows.insert(rows.end(), {10.0f, 0.1f * i, 0.1f, 0.0f, 0.0f});
  rows.insert(rows.end(), {1.0f, 0.0f, 0.0f, 0.0f, 0.0f});  // on the face of `four`: not inside
  const auto kept = objectsWithMinPoints({four, five}, at::tensor(rows).view({-1, 5}), 5);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].label, 1);
}

TEST(PointFilters, ShuffleIsADeterministicPermutation) {
  const at::Tensor pts = at::arange(50 * 5, at::kFloat).view({50, 5});
  Rng a(9), b(9), c(10);
  const at::Tensor sa = shufflePoints(pts, a), sb = shufflePoints(pts, b), sc = shufflePoints(pts, c);
  EXPECT_TRUE(sa.equal(sb));
  EXPECT_FALSE(sa.equal(sc));
  EXPECT_FALSE(sa.equal(pts));
  EXPECT_TRUE(std::get<0>(sa.select(1, 0).sort()).equal(pts.select(1, 0)));
}

TEST(TrainPipeline, IsDeterministicPerSeedAndFiltersAsConfigured) {
  CenterPointConfig cfg = testing::overfitConfig();
  const TrainFrame frame = testing::demoFrame(5);
  Rng r1 = Rng::forSample(42, 0, 7), r2 = Rng::forSample(42, 0, 7), r3 = Rng::forSample(42, 1, 7);
  const TrainFrame a = applyTrainPipeline(frame, cfg, r1), b = applyTrainPipeline(frame, cfg, r2);
  const TrainFrame c = applyTrainPipeline(frame, cfg, r3);
  EXPECT_TRUE(a.points.equal(b.points));
  ASSERT_EQ(a.boxes.size(), b.boxes.size());
  for (std::size_t i = 0; i < a.boxes.size(); ++i) EXPECT_EQ(a.boxes[i].center, b.boxes[i].center);
  EXPECT_FALSE(a.points.sizes() == c.points.sizes() && a.points.equal(c.points));
  const auto& r = cfg.pointCloudRange;
  EXPECT_TRUE((a.points.select(1, 0) > r[0]).all().item<bool>());
  EXPECT_TRUE((a.points.select(1, 2) < r[5]).all().item<bool>());
  const std::vector<int64_t> counts = countPointsInBoxes(a.points, a.boxes);
  for (std::size_t i = 0; i < a.boxes.size(); ++i) {
    EXPECT_GE(counts[i], cfg.augmentation.minPointsInGt);
    EXPECT_GE(a.boxes[i].label, 0);
  }
  EXPECT_GT(a.boxes.size(), 0u);
}

}  // namespace
}  // namespace cpq
