#include <gtest/gtest.h>

#include "synth/DemoCloud.h"

namespace cpq {
namespace {

TEST(DemoCloud, SameSeedSameBytesOtherSeedOtherCloud) {
  const DemoCloudOptions o;
  const at::Tensor a = makeDemoCloud(o, 3), b = makeDemoCloud(o, 3), c = makeDemoCloud(o, 4);
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.sizes() == c.sizes() && a.equal(c));
}

TEST(DemoCloud, PointsLieOnGroundOrObjectsWithinRange) {
  DemoCloudOptions o;
  std::vector<DemoBox> boxes;
  const at::Tensor pts = makeDemoCloud(o, 1, &boxes);
  ASSERT_EQ(pts.size(1), 5);
  ASSERT_EQ(static_cast<int>(boxes.size()), o.numObjects);
  int64_t onObjects = 0;
  for (int64_t i = 0; i < pts.size(0); ++i) {
    const float x = pts[i][0].item<float>(), y = pts[i][1].item<float>(), z = pts[i][2].item<float>();
    const float r = std::sqrt(x * x + y * y + z * z);
    ASSERT_LT(r, o.maxRange + 0.2f);
    const bool ground = std::abs(z + o.sensorHeight) < 0.2f;
    bool inBox = false;
    for (const auto& b : boxes) {
      const float c = std::cos(b.yaw), s = std::sin(b.yaw);
      const float lx = c * (x - b.x) + s * (y - b.y), ly = -s * (x - b.x) + c * (y - b.y);
      inBox |= std::abs(lx) <= b.l / 2 + 0.15f && std::abs(ly) <= b.w / 2 + 0.15f &&
               std::abs(z - b.z) <= b.h / 2 + 0.15f;
    }
    onObjects += inBox;
    ASSERT_TRUE(ground || inBox) << "point " << i << " at " << x << ", " << y << ", " << z;
    const float ring = pts[i][4].item<float>();
    ASSERT_TRUE(ring >= 0 && ring < o.beams);
  }
  EXPECT_GT(onObjects, 500);
}

}  // namespace
}  // namespace cpq
