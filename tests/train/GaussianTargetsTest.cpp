#include <gtest/gtest.h>

#include <cmath>

#include "train/GaussianTargets.h"

namespace cpq {
namespace {

TEST(GaussianRadius, SquareBoxHandCase) {
  // 10 x 10 cells, overlap 0.1: r1 = 14.264, r2 = 26.325, r3 = (-4 + sqrt(160)) / 2 = 4.3246.
  EXPECT_NEAR(gaussianRadius(10.0f, 10.0f, 0.1f), (-4.0 + std::sqrt(160.0)) / 2.0, 1e-5);
  EXPECT_EQ(heatmapRadius(10.0f, 10.0f, 0.1f, 2), 4);
}

TEST(GaussianRadius, SymmetricAndFloorsAtMinRadius) {
  EXPECT_FLOAT_EQ(gaussianRadius(5.0f, 2.5f, 0.1f), gaussianRadius(2.5f, 5.0f, 0.1f));
  // A 4 m x 2 m car on 0.8 m cells: r3 = 1.5 -> int 1 -> min_radius 2.
  EXPECT_NEAR(gaussianRadius(5.0f, 2.5f, 0.1f), 1.5, 1e-5);
  EXPECT_EQ(heatmapRadius(5.0f, 2.5f, 0.1f, 2), 2);
  EXPECT_EQ(heatmapRadius(0.5f, 0.5f, 0.1f, 2), 2);
}

TEST(DrawHeatmapGaussian, PeakIsExactlyOneAndValuesFollowSigma) {
  at::Tensor map = at::zeros({9, 9}, at::kFloat);
  drawHeatmapGaussian(map, 4, 4, 2);
  EXPECT_EQ(map[4][4].item<float>(), 1.0f);
  const double sigma = 5.0 / 6.0;  // diameter / 6
  EXPECT_FLOAT_EQ(map[4][5].item<float>(), static_cast<float>(std::exp(-1.0 / (2 * sigma * sigma))));
  EXPECT_FLOAT_EQ(map[2][2].item<float>(), static_cast<float>(std::exp(-8.0 / (2 * sigma * sigma))));
  EXPECT_EQ(map[4][7].item<float>(), 0.0f);  // outside the radius
  EXPECT_EQ(map.eq(1).sum().item<int64_t>(), 1);
  EXPECT_TRUE(map.equal(map.t()));
}

TEST(DrawHeatmapGaussian, ClipsAtTheBorder) {
  at::Tensor map = at::zeros({5, 6}, at::kFloat);
  drawHeatmapGaussian(map, 0, 4, 3);
  EXPECT_EQ(map[4][0].item<float>(), 1.0f);
  EXPECT_GT(map[1][3].item<float>(), 0.0f);
  EXPECT_EQ(map[0][0].item<float>(), 0.0f);  // 4 rows up: beyond radius 3
  EXPECT_EQ(map.select(1, 4).sum().item<float>(), 0.0f);
}

TEST(DrawHeatmapGaussian, OverlapsTakeTheElementwiseMax) {
  at::Tensor a = at::zeros({8, 8}, at::kFloat), b = at::zeros({8, 8}, at::kFloat);
  at::Tensor both = at::zeros({8, 8}, at::kFloat);
  drawHeatmapGaussian(a, 2, 3, 2);
  drawHeatmapGaussian(b, 4, 3, 3);
  drawHeatmapGaussian(both, 2, 3, 2);
  drawHeatmapGaussian(both, 4, 3, 3);
  EXPECT_TRUE(both.equal(at::maximum(a, b)));
  EXPECT_EQ(both.eq(1).sum().item<int64_t>(), 2);
}

}  // namespace
}  // namespace cpq
