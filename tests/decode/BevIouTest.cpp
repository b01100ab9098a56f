#include "decode/BevIou.h"

#include "DecodeTestSupport.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cpq {
namespace {

using test::boxAt;

TEST(BevIou, IdenticalBoxesGiveOne) {
  const Detection a = boxAt(3, -2, 1, 4.5f, 1.8f, 0.7f);
  EXPECT_NEAR(bevIou(a, a), 1.0, 1e-12);
}

TEST(BevIou, DisjointBoxesGiveZero) {
  EXPECT_EQ(bevIou(boxAt(0, 0, 1, 2, 2), boxAt(2.5f, 0, 1, 2, 2)), 0.0);
  EXPECT_EQ(bevIou(boxAt(0, 0, 1, 2, 2, 0.3f), boxAt(50, 50, 1, 2, 2, 1.1f)), 0.0);
}

TEST(BevIou, HalfOverlapAxisAlignedGivesOneThird) {
  // 2 x 2 squares shifted by 1: intersection 2, union 6.
  EXPECT_NEAR(bevIntersectionArea(boxAt(0, 0, 1, 2, 2), boxAt(1, 0, 1, 2, 2)), 2.0, 1e-12);
  EXPECT_NEAR(bevIou(boxAt(0, 0, 1, 2, 2), boxAt(1, 0, 1, 2, 2)), 1.0 / 3.0, 1e-12);
}

TEST(BevIou, LengthFollowsYaw) {
  // A 4 x 2 box and the same box turned by 90 degrees share a 2 x 2 square: 4 / (8 + 8 - 4).
  EXPECT_NEAR(bevIou(boxAt(0, 0, 1, 4, 2, 0), boxAt(0, 0, 1, 4, 2, static_cast<float>(M_PI / 2))), 1.0 / 3.0,
              1e-6);
  // A square turned by 90 degrees is itself.
  EXPECT_NEAR(bevIou(boxAt(1, 1, 1, 2, 2, 0), boxAt(1, 1, 1, 2, 2, static_cast<float>(M_PI / 2))), 1.0, 1e-6);
}

TEST(BevIou, SquareTurnedBy45Degrees) {
  // Side-2 squares, one turned by 45 degrees about the common centre: the intersection is the square less
  // four corner triangles with legs 2 - sqrt(2), so 4 - 2 (2 - sqrt 2)^2 = 8 sqrt(2) - 8; union 16 - 8
  // sqrt(2); IoU = (sqrt(2) - 1) / (2 - sqrt(2)) = 1 / sqrt(2).
  const Detection a = boxAt(0, 0, 1, 2, 2, 0);
  const Detection b = boxAt(0, 0, 1, 2, 2, static_cast<float>(M_PI / 4));
  EXPECT_NEAR(bevIntersectionArea(a, b), 8.0 * std::sqrt(2.0) - 8.0, 1e-6);
  EXPECT_NEAR(bevIou(a, b), 1.0 / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(bevIou(b, a), 1.0 / std::sqrt(2.0), 1e-6);
}

TEST(BevIou, TinyUnionGivesZeroAsAutowareDoes) {
  // 0.05 x 0.05 footprints: union 0.0025 m^2 < 0.01.
  const Detection a = boxAt(0, 0, 1, 0.05f, 0.05f);
  EXPECT_EQ(bevIou(a, a), 0.0);
}

}  // namespace
}  // namespace cpq
