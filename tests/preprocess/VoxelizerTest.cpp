#include "preprocess/Voxelizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/Error.h"

namespace cpq {
namespace {

VoxelizerOptions options121m() {  // AWML v2.6 base
  VoxelizerOptions o;
  o.pointCloudRange = {-122.4f, -122.4f, -3.0f, 122.4f, 122.4f, 5.0f};
  o.voxelSize = {0.24f, 0.24f, 8.0f};
  o.maxPointsPerVoxel = 32;
  o.maxVoxels = 96000;
  return o;
}

// x, y in [0, 8) with 0.5 m voxels (16 x 16 x 1): every edge is exactly representable.
VoxelizerOptions optionsSmall(int maxPoints = 32, int maxVoxels = 1000) {
  VoxelizerOptions o;
  o.pointCloudRange = {0.0f, 0.0f, -3.0f, 8.0f, 8.0f, 5.0f};
  o.voxelSize = {0.5f, 0.5f, 8.0f};
  o.maxPointsPerVoxel = maxPoints;
  o.maxVoxels = maxVoxels;
  return o;
}

at::Tensor cloud(const std::vector<std::array<float, 4>>& rows) {
  at::Tensor t = at::empty({static_cast<int64_t>(rows.size()), 4}, at::kFloat);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (int c = 0; c < 4; ++c) t[static_cast<int64_t>(i)][c] = rows[i][static_cast<size_t>(c)];
  }
  return t;
}

float down(float x) { return std::nextafter(x, -std::numeric_limits<float>::infinity()); }
float up(float x) { return std::nextafter(x, std::numeric_limits<float>::infinity()); }

// Which x voxel a lone point at (x, y = 0, z = 0) lands in, or -1 when it is dropped.
int xVoxel(const Voxelizer& v, float x) {
  const Voxels out = v.voxelize(cloud({{x, 0.0f, 0.0f, 0.0f}}));
  return out.coords.size(0) == 0 ? -1 : out.coords[0][3].item<int>();
}

TEST(Voxelizer, GridSizeIsRoundedAsMmdet3d) {
  EXPECT_EQ(Voxelizer(options121m()).gridSize(), (std::array<int64_t, 3>{1020, 1020, 1}));
  VoxelizerOptions legacy = options121m();
  legacy.pointCloudRange = {-121.6f, -121.6f, -3.0f, 121.6f, 121.6f, 5.0f};
  legacy.voxelSize = {0.32f, 0.32f, 8.0f};
  EXPECT_EQ(Voxelizer(legacy).gridSize(), (std::array<int64_t, 3>{760, 760, 1}));
  EXPECT_EQ(Voxelizer(optionsSmall()).gridSize(), (std::array<int64_t, 3>{16, 16, 1}));
}

TEST(Voxelizer, ExactEdgesOfASimpleGrid) {
  const Voxelizer v(optionsSmall());
  EXPECT_EQ(xVoxel(v, 1.0f), 2);         // (1 - 0) / 0.5 = 2 exactly
  EXPECT_EQ(xVoxel(v, down(1.0f)), 1);   // 1.9999999 -> 1
  EXPECT_EQ(xVoxel(v, 0.0f), 0);         // the minimum is inside
  EXPECT_EQ(xVoxel(v, -0.0f), 0);        // floor(-0) = -0 -> 0, as in mmcv
  EXPECT_EQ(xVoxel(v, down(0.0f)), -1);  // tiny negative: floor gives -1
  EXPECT_EQ(xVoxel(v, down(8.0f)), 15);  // 15.999999 -> 15
  EXPECT_EQ(xVoxel(v, 8.0f), -1);        // the maximum is outside
}

// Values worked out with IEEE float32 arithmetic (x_min = -122.4f, voxel = 0.24f, grid 1020).
TEST(Voxelizer, Float32EdgesOfThe121mGrid) {
  const Voxelizer v(options121m());
  EXPECT_EQ(xVoxel(v, -122.4f), 0);
  EXPECT_EQ(xVoxel(v, down(-122.4f)), -1);
  EXPECT_EQ(xVoxel(v, up(-122.4f)), 0);
  // The maximum and the floats just below it are out: (p - min) / voxel rounds up to 1020 in float32.
  // A "p < max" test would keep these points; mmcv does not.
  EXPECT_EQ(xVoxel(v, 122.4f), -1);
  EXPECT_EQ(xVoxel(v, down(122.4f)), -1);
  EXPECT_EQ(xVoxel(v, 122.39997863769531f), -1);
  EXPECT_EQ(xVoxel(v, 122.39997100830078f), 1019);  // the largest float that is kept
  // -118.08f: (p - min) / voxel is exactly 18.0 in float32; in double it is 17.99999913, so a double
  // computation would put this point in voxel 17. mmcv (float32) says 18.
  EXPECT_EQ(xVoxel(v, -118.08000183105469f), 18);
  EXPECT_EQ(xVoxel(v, down(-118.08000183105469f)), 17);
}

TEST(Voxelizer, YAndZLimitsFilterToo) {
  const Voxelizer v(options121m());
  const Voxels out = v.voxelize(cloud({{0, 0, 5.0f, 1},         // z = max: out
                                       {0, 0, down(5.0f), 2},   // in
                                       {0, 0, -3.0f, 3},        // z = min: in (same pillar)
                                       {0, 0, down(-3.0f), 4},  // out
                                       {0, 122.4f, 0, 5},       // y = max: out
                                       {0, down(-122.4f), 0, 6}}));
  ASSERT_EQ(out.coords.size(0), 1);
  EXPECT_EQ(out.numPoints[0].item<int>(), 2);
  EXPECT_EQ(out.voxels[0][0][3].item<float>(), 2.0f);
  EXPECT_EQ(out.voxels[0][1][3].item<float>(), 3.0f);
}

TEST(Voxelizer, VoxelsInFirstPointOrderWithBatchZYXCoords) {
  const Voxelizer v(optionsSmall());
  // Voxels: A = (x 3, y 1), B = (x 0, y 5), C = (x 7, y 7). Input order A B A C B.
  const Voxels out = v.voxelize(cloud({{1.75f, 0.75f, 0.0f, 10},
                                       {0.25f, 2.5f, 1.0f, 20},
                                       {1.5f, 0.5f, -2.0f, 11},
                                       {3.75f, 3.75f, 4.9f, 30},
                                       {0.0f, 2.75f, 0.0f, 21}}));
  ASSERT_EQ(out.coords.sizes(), (at::IntArrayRef{3, 4}));
  EXPECT_EQ(out.coords.scalar_type(), at::kInt);
  EXPECT_EQ(out.numPoints.scalar_type(), at::kInt);
  EXPECT_TRUE(at::equal(out.coords, at::tensor({0, 0, 1, 3, 0, 0, 5, 0, 0, 0, 7, 7}, at::kInt).view({3, 4})));
  EXPECT_TRUE(at::equal(out.numPoints, at::tensor({2, 2, 1}, at::kInt)));
  ASSERT_EQ(out.voxels.sizes(), (at::IntArrayRef{3, 32, 4}));
  EXPECT_TRUE(at::equal(out.voxels[0][0], at::tensor({1.75f, 0.75f, 0.0f, 10.0f})));
  EXPECT_TRUE(at::equal(out.voxels[0][1], at::tensor({1.5f, 0.5f, -2.0f, 11.0f})));
  EXPECT_TRUE(at::equal(out.voxels[1][1], at::tensor({0.0f, 2.75f, 0.0f, 21.0f})));
  EXPECT_TRUE(at::equal(out.voxels[2][0], at::tensor({3.75f, 3.75f, 4.9f, 30.0f})));
  // Padded slots are zero.
  EXPECT_EQ(out.voxels[0].slice(0, 2).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(out.voxels[2].slice(0, 1).abs().sum().item<float>(), 0.0f);
}

TEST(Voxelizer, KeepsTheFirstMaxPointsOfAVoxelInInputOrder) {
  const Voxelizer v(optionsSmall(32));
  std::vector<std::array<float, 4>> rows;
  for (int i = 0; i < 40; ++i) {
    rows.push_back({2.25f, 2.25f, 0.0f, static_cast<float>(i)});                            // voxel (4, 4)
    if (i % 10 == 0) rows.push_back({6.25f, 0.25f, 0.0f, 100.0f + static_cast<float>(i)});  // voxel (12, 0)
  }
  const Voxels out = v.voxelize(cloud(rows));
  ASSERT_EQ(out.coords.size(0), 2);
  EXPECT_TRUE(at::equal(out.numPoints, at::tensor({32, 4}, at::kInt)));
  EXPECT_TRUE(at::equal(out.voxels[0].select(1, 3), at::arange(32, at::kFloat)));
  EXPECT_TRUE(at::equal(out.voxels[1].select(1, 3).slice(0, 0, 4), at::tensor({100.f, 110.f, 120.f, 130.f})));
}

TEST(Voxelizer, DropsVoxelsBeyondMaxVoxelsFirstComeFirstKept) {
  const Voxelizer v(optionsSmall(32, 3));
  const Voxels out = v.voxelize(cloud({{0.25f, 0.25f, 0, 1},  // voxel 0 (x 0)
                                       {1.25f, 0.25f, 0, 2},  // voxel 1 (x 2)
                                       {2.25f, 0.25f, 0, 3},  // voxel 2 (x 4)
                                       {3.25f, 0.25f, 0, 4},  // 4th distinct voxel: dropped
                                       {0.30f, 0.30f, 0, 5},  // voxel 0 again: kept
                                       {3.30f, 0.30f, 0, 6},  // dropped voxel again: still dropped
                                       {4.25f, 0.25f, 0, 7},  // 5th distinct voxel: dropped
                                       {2.30f, 0.30f, 0, 8}}));
  ASSERT_EQ(out.coords.size(0), 3);
  EXPECT_TRUE(at::equal(out.coords.select(1, 3), at::tensor({0, 2, 4}, at::kInt)));
  EXPECT_TRUE(at::equal(out.numPoints, at::tensor({2, 1, 2}, at::kInt)));
  EXPECT_EQ(out.voxels[0][1][3].item<float>(), 5.0f);
  EXPECT_EQ(out.voxels[2][1][3].item<float>(), 8.0f);
}

TEST(Voxelizer, NonFinitePointsAreDropped) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const Voxelizer v(optionsSmall());
  const Voxels out = v.voxelize(cloud({{nan, 1, 0, 0}, {1, inf, 0, 0}, {1, 1, -inf, 0}, {1, 1, 0, 9}}));
  ASSERT_EQ(out.coords.size(0), 1);
  EXPECT_EQ(out.voxels[0][0][3].item<float>(), 9.0f);
}

TEST(Voxelizer, EmptyAndFiveColumnInputs) {
  const Voxelizer v(optionsSmall());
  const Voxels none = v.voxelize(at::empty({0, 5}, at::kFloat));
  EXPECT_EQ(none.voxels.sizes(), (at::IntArrayRef{0, 32, 5}));
  EXPECT_EQ(none.numPoints.sizes(), (at::IntArrayRef{0}));
  EXPECT_EQ(none.coords.sizes(), (at::IntArrayRef{0, 4}));
  const at::Tensor five = at::tensor({1.f, 1.f, 0.f, 200.f, 0.1f}).view({1, 5});
  EXPECT_TRUE(at::equal(v.voxelize(five).voxels[0][0], five[0]));
  // A strided view is accepted (copied first).
  const at::Tensor wide = at::tensor({1.f, 1.f, 0.f, 7.f, 99.f, 99.f}).view({1, 6});
  EXPECT_TRUE(at::equal(v.voxelize(wide.slice(1, 0, 4)).voxels[0][0], at::tensor({1.f, 1.f, 0.f, 7.f})));
  EXPECT_THROW(v.voxelize(at::zeros({3, 2})), std::invalid_argument);
  EXPECT_THROW(v.voxelize(at::zeros({3, 4}, at::kDouble)), std::invalid_argument);
}

TEST(Voxelizer, RejectsBadOptions) {
  VoxelizerOptions o = optionsSmall();
  o.voxelSize[1] = 0.0f;
  EXPECT_THROW(Voxelizer{o}, Error);
  o = optionsSmall();
  o.voxelSize[2] = -8.0f;
  EXPECT_THROW(Voxelizer{o}, Error);
  o = optionsSmall();
  o.pointCloudRange[3] = o.pointCloudRange[0];
  EXPECT_THROW(Voxelizer{o}, Error);
  o = optionsSmall();
  o.maxPointsPerVoxel = 0;
  EXPECT_THROW(Voxelizer{o}, Error);
  o = optionsSmall();
  o.maxVoxels = -1;
  EXPECT_THROW(Voxelizer{o}, Error);
  o = optionsSmall();
  o.voxelSize = {1e-4f, 1e-4f, 1e-4f};  // 80000^2 x 80000 cells
  EXPECT_THROW(Voxelizer{o}, Error);
}

// ---- Against a line-by-line transcription of mmcv's hard_voxelize_forward_cpu_kernel ----

Voxels mmcvReference(const at::Tensor& points, const VoxelizerOptions& o) {
  const auto& r = o.pointCloudRange;
  const auto& vs = o.voxelSize;
  int grid[3];
  for (int j = 0; j < 3; ++j) grid[j] = static_cast<int>(std::round((r[j + 3] - r[j]) / vs[j]));
  const int64_t n = points.size(0), c = points.size(1);
  auto p = points.accessor<float, 2>();
  std::vector<int> coorToVoxel(static_cast<size_t>(grid[0] * grid[1] * grid[2]), -1);
  at::Tensor voxels = at::zeros({o.maxVoxels, o.maxPointsPerVoxel, c});
  at::Tensor coors = at::zeros({o.maxVoxels, 3}, at::kInt);
  at::Tensor count = at::zeros({o.maxVoxels}, at::kInt);
  int voxelNum = 0;
  for (int64_t i = 0; i < n; ++i) {
    int coor[3];
    bool failed = false;
    for (int j = 0; j < 3; ++j) {
      const int cj = static_cast<int>(std::floor((p[i][j] - r[j]) / vs[j]));
      if (cj < 0 || cj >= grid[j]) {
        failed = true;
        break;
      }
      coor[2 - j] = cj;
    }
    if (failed) continue;
    int& slot = coorToVoxel[static_cast<size_t>((coor[0] * grid[1] + coor[1]) * grid[0] + coor[2])];
    int voxelIdx = slot;
    if (voxelIdx == -1) {
      voxelIdx = voxelNum;
      if (voxelNum >= o.maxVoxels) continue;
      voxelNum += 1;
      slot = voxelIdx;
      for (int k = 0; k < 3; ++k) coors[voxelIdx][k] = coor[k];
    }
    const int num = count[voxelIdx].item<int>();
    if (num < o.maxPointsPerVoxel) {
      voxels[voxelIdx][num] = points[i];
      count[voxelIdx] = num + 1;
    }
  }
  Voxels out;
  out.voxels = voxels.slice(0, 0, voxelNum);
  out.numPoints = count.slice(0, 0, voxelNum);
  out.coords = at::constant_pad_nd(coors.slice(0, 0, voxelNum), {1, 0}, 0);
  return out;
}

// Uniform points over and beyond the range, dense clusters (> 32 points per voxel) and points within a
// few ulps of voxel edges.
at::Tensor syntheticCloud(const VoxelizerOptions& o, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::normal_distribution<float> jitter(0.0f, 0.1f);
  const auto& r = o.pointCloudRange;
  at::Tensor t = at::empty({n, 4});
  auto a = t.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i) {
    const int kind = static_cast<int>(i % 3);
    for (int j = 0; j < 3; ++j) {
      const float lo = r[j], hi = r[j + 3], span = hi - lo;
      float x = lo - 0.05f * span + 1.1f * span * unit(rng);
      if (kind == 1) x = lo + span * (0.3f + 0.01f * static_cast<float>(i % 7)) + jitter(rng);  // clusters
      if (kind == 2) {  // near an edge of the float32 grid
        const float edge = lo + o.voxelSize[j] * std::floor(unit(rng) * span / o.voxelSize[j]);
        x = edge;
        for (int s = static_cast<int>(rng() % 7) - 3; s != 0; s += s > 0 ? -1 : 1)
          x = s > 0 ? up(x) : down(x);
      }
      a[i][j] = x;
    }
    a[i][3] = static_cast<float>(i);
  }
  return t;
}

void expectSameVoxels(const Voxels& got, const Voxels& want) {
  ASSERT_EQ(got.coords.sizes(), want.coords.sizes());
  EXPECT_TRUE(at::equal(got.coords, want.coords));
  EXPECT_TRUE(at::equal(got.numPoints, want.numPoints));
  EXPECT_TRUE(at::equal(got.voxels, want.voxels));
}

TEST(Voxelizer, MatchesMmcvTranscriptionOnSyntheticClouds) {
  VoxelizerOptions capped = options121m();
  capped.maxVoxels = 3000;  // hit the cap too
  VoxelizerOptions demo = options121m();
  demo.pointCloudRange = {-51.2f, -51.2f, -3.0f, 51.2f, 51.2f, 5.0f};
  demo.voxelSize = {0.32f, 0.32f, 8.0f};
  VoxelizerOptions tall = optionsSmall(5, 500);
  tall.voxelSize = {0.5f, 0.5f, 0.25f};  // several z layers, 5 points per voxel
  for (const VoxelizerOptions& o : {options121m(), capped, demo, tall}) {
    const Voxelizer v(o);
    for (uint32_t seed : {1u, 2u}) {
      const at::Tensor points = syntheticCloud(o, 20000, seed);
      expectSameVoxels(v.voxelize(points), mmcvReference(points, o));
    }
  }
}

TEST(Voxelizer, RepeatedCallsAndCopiesAreIndependent) {
  const Voxelizer v(options121m());
  const at::Tensor a = syntheticCloud(options121m(), 5000, 7);
  const at::Tensor b = syntheticCloud(options121m(), 3000, 8);
  const Voxels first = v.voxelize(a);
  v.voxelize(b);
  expectSameVoxels(v.voxelize(a), first);
  const Voxelizer copy = v;
  expectSameVoxels(copy.voxelize(a), first);
}

}  // namespace
}  // namespace cpq
