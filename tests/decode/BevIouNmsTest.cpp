#include "decode/BevIouNms.h"

#include "DecodeTestSupport.h"

#include <gtest/gtest.h>

namespace cpq {
namespace {

using test::boxAt;

Detection labelled(Detection d, int label) {
  d.label = label;
  return d;
}

TEST(BevIouNms, SuppressesAnOverlapAboveTheThreshold) {
  // IoU 1/3 > 0.1.
  const auto kept = bevIouNms({boxAt(0, 0, 0.9f, 2, 2), boxAt(1, 0, 0.8f, 2, 2)}, 0.1f, 10.0f, {});
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].score, 0.9f);
}

TEST(BevIouNms, IouAtTheThresholdIsKept) {
  // A 2 x 2 box inside a 4 x 2 one: IoU exactly 0.5.
  EXPECT_EQ(bevIouNms({boxAt(0, 0, 0.9f, 2, 2), boxAt(1, 0, 0.8f, 4, 2)}, 0.5f, 10.0f, {}).size(), 2u);
  EXPECT_EQ(bevIouNms({boxAt(0, 0, 0.9f, 2, 2), boxAt(1, 0, 0.8f, 4, 2)}, 0.49f, 10.0f, {}).size(), 1u);
}

TEST(BevIouNms, SearchDistanceLimitsWhichPairsAreCompared) {
  // Two 24 m buses whose centres are 11 m apart still overlap: IoU 39 / 105.
  const std::vector<Detection> buses{labelled(boxAt(0, 0, 0.9f, 24, 3), 2),
                                     labelled(boxAt(11, 0, 0.8f, 24, 3), 2)};
  EXPECT_EQ(bevIouNms(buses, 0.1f, 10.0f, {0}).size(), 2u);  // 11 m > 10 m: not compared
  EXPECT_EQ(bevIouNms(buses, 0.1f, 11.0f, {0}).size(), 1u);  // on the search distance: compared
  EXPECT_EQ(bevIouNms(buses, 0.1f, 10.0f, {2}).size(), 1u);  // both target labels: any distance
}

TEST(BevIouNms, EarlierSuppressedBoxesStillSuppress) {
  // a-b and b-c overlap (IoU 0.25), a-c do not. Autoware drops c because of b although b is dropped too.
  const auto kept = bevIouNms(
      {boxAt(0, 0, 0.9f, 2, 2), boxAt(1.2f, 0, 0.8f, 2, 2), boxAt(2.4f, 0, 0.7f, 2, 2)}, 0.1f, 10.0f, {});
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].x, 0.0f);
}

TEST(BevIouNms, EmptyInEmptyOut) { EXPECT_TRUE(bevIouNms({}, 0.1f, 10.0f, {0}).empty()); }

}  // namespace
}  // namespace cpq
