#include "preprocess/PillarFeatures.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "preprocess/Voxelizer.h"

namespace cpq {
namespace {

// x, y in [-10, 10) with 0.5 m pillars, z in [-3, 5) with one 8 m layer: the centre offsets are
// x_offset = 0.25 - 10 = -9.75, y_offset = -9.75, z_offset = 4 - 3 = 1.
PillarFeatureOptions simpleOptions(bool withZ = true) {
  PillarFeatureOptions o;
  o.voxelSize = {0.5f, 0.5f, 8.0f};
  o.pointCloudRange = {-10.0f, -10.0f, -3.0f, 10.0f, 10.0f, 5.0f};
  o.withZCenterOffset = withZ;
  return o;
}

// One pillar (ix 21, iy 18) of three points whose means and offsets are exact in binary:
//   x 0.5, 0.625, 0.75 (mean 0.625); y -0.875, -0.75, -0.625 (mean -0.75); z -1, 1, 3 (mean 1);
//   centre x = 21 * 0.5 - 9.75 = 0.75, y = 18 * 0.5 - 9.75 = -0.75, z = 0 * 8 + 1 = 1.
Voxels threePointPillar(bool withIntensity) {
  const std::vector<std::vector<float>> rows = {{0.5f, -0.875f, -1.0f, 10.0f, 0.0f},
                                                {0.625f, -0.75f, 1.0f, 20.0f, 0.5f},
                                                {0.75f, -0.625f, 3.0f, 255.0f, 0.25f}};
  const int64_t c = withIntensity ? 5 : 4;
  Voxels v;
  v.voxels = at::zeros({1, 32, c});
  for (int64_t i = 0; i < 3; ++i) {
    const auto& r = rows[static_cast<size_t>(i)];
    const std::vector<float> kept =
        withIntensity ? r : std::vector<float>{r[0], r[1], r[2], r[4]};  // x, y, z, t
    for (int64_t j = 0; j < c; ++j) v.voxels[0][i][j] = kept[static_cast<size_t>(j)];
  }
  v.numPoints = at::tensor({3}, at::kInt);
  v.coords = at::tensor({0, 0, 18, 21}, at::kInt).view({1, 4});
  return v;
}

at::Tensor rows(const std::vector<std::vector<float>>& values) {
  std::vector<at::Tensor> out;
  for (const auto& r : values) out.push_back(at::tensor(r));
  return at::stack(out);
}

TEST(PillarFeatures, FeatureCounts) {
  EXPECT_EQ(pillarFeatureCount(4, true), 10);
  EXPECT_EQ(pillarFeatureCount(5, true), 11);
  EXPECT_EQ(pillarFeatureCount(4, false), 9);
}

TEST(PillarFeatures, TenFeaturesOfAHandComputedPillar) {
  const at::Tensor f = buildPillarFeatures(threePointPillar(false), simpleOptions());
  ASSERT_EQ(f.sizes(), (at::IntArrayRef{1, 32, 10}));
  //                 x       y       z    t      xc      yc      zc    xp      yp      zp
  const at::Tensor want = rows({{0.5f, -0.875f, -1.f, 0.f, -0.125f, -0.125f, -2.f, -0.25f, -0.125f, -2.f},
                                {0.625f, -0.75f, 1.f, 0.5f, 0.f, 0.f, 0.f, -0.125f, 0.f, 0.f},
                                {0.75f, -0.625f, 3.f, 0.25f, 0.125f, 0.125f, 2.f, 0.f, 0.125f, 2.f}});
  EXPECT_TRUE(at::equal(f[0].slice(0, 0, 3), want)) << f[0].slice(0, 0, 3);
  EXPECT_TRUE(at::equal(f[0].slice(0, 3), at::zeros({29, 10})));
}

TEST(PillarFeatures, ElevenFeaturesWithIntensity) {
  const at::Tensor f = buildPillarFeatures(threePointPillar(true), simpleOptions());
  ASSERT_EQ(f.sizes(), (at::IntArrayRef{1, 32, 11}));
  //                 x       y       z     I     t      xc      yc      zc    xp      yp      zp
  const at::Tensor want =
      rows({{0.5f, -0.875f, -1.f, 10.f, 0.f, -0.125f, -0.125f, -2.f, -0.25f, -0.125f, -2.f},
            {0.625f, -0.75f, 1.f, 20.f, 0.5f, 0.f, 0.f, 0.f, -0.125f, 0.f, 0.f},
            {0.75f, -0.625f, 3.f, 255.f, 0.25f, 0.125f, 0.125f, 2.f, 0.f, 0.125f, 2.f}});
  EXPECT_TRUE(at::equal(f[0].slice(0, 0, 3), want)) << f[0].slice(0, 0, 3);
  EXPECT_TRUE(at::equal(f[0].slice(0, 3), at::zeros({29, 11})));
}

TEST(PillarFeatures, NineFeaturesWithoutZCentreOffset) {
  const at::Tensor f = buildPillarFeatures(threePointPillar(false), simpleOptions(false));
  ASSERT_EQ(f.sizes(), (at::IntArrayRef{1, 32, 9}));
  const at::Tensor want = rows({{0.5f, -0.875f, -1.f, 0.f, -0.125f, -0.125f, -2.f, -0.25f, -0.125f},
                                {0.625f, -0.75f, 1.f, 0.5f, 0.f, 0.f, 0.f, -0.125f, 0.f},
                                {0.75f, -0.625f, 3.f, 0.25f, 0.125f, 0.125f, 2.f, 0.f, 0.125f}});
  EXPECT_TRUE(at::equal(f[0].slice(0, 0, 3), want)) << f[0].slice(0, 0, 3);
  EXPECT_TRUE(at::equal(f[0].slice(0, 3), at::zeros({29, 9})));
}

// mmdet3d's x_offset = vx / 2 + x_min is a double sum rounded to float32 once: for the legacy config it is
// float(0.16 + -121.6) = -121.44000244140625, not 0.16f + -121.6f = -121.43999481201172.
TEST(PillarFeatures, CentreOffsetUsesTheConfigDoubles) {
  PillarFeatureOptions o;
  o.voxelSize = {0.32f, 0.32f, 8.0f};
  o.pointCloudRange = {-121.6f, -121.6f, -3.0f, 121.6f, 121.6f, 5.0f};
  o.withZCenterOffset = false;
  Voxels v;
  v.voxels = at::zeros({2, 32, 4});
  v.voxels[0][0] = at::tensor({-121.5f, -121.5f, 0.0f, 0.0f});  // pillar (0, 0)
  v.voxels[1][0] = at::tensor({0.125f, 0.125f, 0.0f, 0.0f});    // pillar (380, 380)
  v.numPoints = at::tensor({1, 1}, at::kInt);
  v.coords = at::tensor({0, 0, 0, 0, 0, 0, 380, 380}, at::kInt).view({2, 4});
  const at::Tensor f = buildPillarFeatures(v, o);
  EXPECT_EQ(f[0][0][7].item<float>(), -0.05999755859375f);  // -121.5 - -121.44000244140625
  EXPECT_EQ(f[0][0][8].item<float>(), -0.05999755859375f);
  // centre = float(380 * 0.32f) + -121.44000244140625f = 0.15999603271484375
  EXPECT_EQ(f[1][0][7].item<float>(), 0.125f - 0.15999603271484375f);
}

// ---- Against mmdet3d's PillarFeatureNet.forward (legacy=False), written with the same ATen ops ----

at::Tensor mmdet3dFeatures(const Voxels& v, const std::array<double, 3>& voxel,
                           const std::array<double, 6>& range, bool withZ) {
  const at::Tensor features = v.voxels;
  const at::Tensor xyz = features.slice(2, 0, 3);
  const at::Tensor pointsMean = xyz.sum(1, true) / v.numPoints.to(at::kFloat).view({-1, 1, 1});
  const at::Tensor fCluster = xyz - pointsMean;
  at::Tensor fCenter = at::zeros_like(features.slice(2, 0, withZ ? 3 : 2));
  for (int a = 0; a < (withZ ? 3 : 2); ++a) {
    const double offset = voxel[static_cast<size_t>(a)] / 2 + range[static_cast<size_t>(a)];
    const at::Tensor centre =
        v.coords.select(1, 3 - a).to(at::kFloat).unsqueeze(1) * voxel[static_cast<size_t>(a)] + offset;
    fCenter.select(2, a).copy_(features.select(2, a) - centre);
  }
  at::Tensor out = at::cat({features, fCluster, fCenter}, -1);
  const at::Tensor mask = at::arange(features.size(1), at::kInt).view({1, -1}) < v.numPoints.view({-1, 1});
  out *= mask.unsqueeze(-1).to(at::kFloat);
  return out;
}

TEST(PillarFeatures, BitExactWithMmdet3dOnVoxelizedClouds) {
  struct Case {
    std::array<double, 3> voxel;
    std::array<double, 6> range;
    int rawDims;
    bool withZ;
  };
  const std::vector<Case> cases = {
      {{0.24, 0.24, 8.0}, {-122.4, -122.4, -3.0, 122.4, 122.4, 5.0}, 4, true},   // v2.6 base
      {{0.24, 0.24, 8.0}, {-122.4, -122.4, -3.0, 122.4, 122.4, 5.0}, 5, true},   // j6gen2
      {{0.32, 0.32, 8.0}, {-121.6, -121.6, -3.0, 121.6, 121.6, 5.0}, 4, false},  // legacy
  };
  std::mt19937 rng(42);
  for (const Case& c : cases) {
    VoxelizerOptions vo;
    PillarFeatureOptions fo;
    for (int a = 0; a < 6; ++a)
      vo.pointCloudRange[a] = fo.pointCloudRange[a] = static_cast<float>(c.range[a]);
    for (int a = 0; a < 3; ++a) vo.voxelSize[a] = fo.voxelSize[a] = static_cast<float>(c.voxel[a]);
    fo.withZCenterOffset = c.withZ;
    // Dense blobs so that pillars hold 1..32 points (and the sum order beyond 4 and 16 points matters),
    // spread over the whole grid so that the centre offsets of far pillars are exercised too.
    const int64_t n = 60000;
    at::Tensor points = at::empty({n, c.rawDims});
    std::uniform_real_distribution<float> where(-125.0f, 125.0f), spread(0.01f, 0.6f), z(-3.5f, 5.5f);
    auto p = points.accessor<float, 2>();
    float cx = 0, cy = 0, s = 0.1f;
    for (int64_t i = 0; i < n; ++i) {
      if (i % 40 == 0) cx = where(rng), cy = where(rng), s = spread(rng);
      std::normal_distribution<float> blob(0.0f, s);
      p[i][0] = cx + blob(rng);
      p[i][1] = cy + blob(rng);
      p[i][2] = z(rng);
      for (int j = 3; j < c.rawDims; ++j) p[i][j] = static_cast<float>(rng() % 256);
    }
    const Voxels voxels = Voxelizer(vo).voxelize(points);
    ASSERT_GT(voxels.numPoints.max().item<int>(), 16);
    const at::Tensor got = buildPillarFeatures(voxels, fo);
    const at::Tensor want = mmdet3dFeatures(voxels, c.voxel, c.range, c.withZ);
    ASSERT_EQ(got.sizes(), want.sizes());
    EXPECT_TRUE(at::equal(got, want))
        << "max |diff| " << (got - want).abs().max().item<float>() << " for raw dims " << c.rawDims;
  }
}

TEST(PillarFeatures, RejectsMalformedVoxels) {
  Voxels v = threePointPillar(false);
  v.numPoints = at::tensor({33}, at::kInt);
  EXPECT_THROW(buildPillarFeatures(v, simpleOptions()), std::invalid_argument);
  v = threePointPillar(false);
  v.coords = at::zeros({1, 3}, at::kInt);
  EXPECT_THROW(buildPillarFeatures(v, simpleOptions()), std::invalid_argument);
}

TEST(PillarFeatures, NoVoxelsGiveAnEmptyTensor) {
  Voxels v;
  v.voxels = at::zeros({0, 32, 4});
  v.numPoints = at::zeros({0}, at::kInt);
  v.coords = at::zeros({0, 4}, at::kInt);
  EXPECT_EQ(buildPillarFeatures(v, simpleOptions()).sizes(), (at::IntArrayRef{0, 32, 10}));
}

}  // namespace
}  // namespace cpq
