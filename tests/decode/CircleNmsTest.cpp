#include "decode/CircleNms.h"

#include "DecodeTestSupport.h"

#include <gtest/gtest.h>

namespace cpq {
namespace {

using test::boxAt;

TEST(CircleNms, InclusiveSuppressesAtExactlyTheRadius) {
  const auto kept = circleNms({boxAt(0, 0, 0.9f), boxAt(1, 0, 0.8f)}, 1.0f, CircleBoundary::Inclusive);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].score, 0.9f);
  // Just outside the radius survives.
  EXPECT_EQ(circleNms({boxAt(0, 0, 0.9f), boxAt(1, 0.001f, 0.8f)}, 1.0f, CircleBoundary::Inclusive).size(),
            2u);
}

TEST(CircleNms, StrictKeepsAtExactlyTheRadius) {
  EXPECT_EQ(circleNms({boxAt(0, 0, 0.9f), boxAt(0.5f, 0, 0.8f)}, 0.25f, CircleBoundary::Strict).size(), 2u);
  EXPECT_EQ(circleNms({boxAt(0, 0, 0.9f), boxAt(0.4f, 0, 0.8f)}, 0.25f, CircleBoundary::Strict).size(), 1u);
}

TEST(CircleNms, SortsByScoreFirst) {
  const auto kept = circleNms({boxAt(0.5f, 0, 0.2f), boxAt(0, 0, 0.7f)}, 1.0f, CircleBoundary::Inclusive);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].score, 0.7f);
}

TEST(CircleNms, OnlyKeptDetectionsSuppress) {
  // b is suppressed by a, so c (within b's radius, outside a's) survives.
  const auto kept = circleNms({boxAt(0, 0, 0.9f), boxAt(0.8f, 0, 0.8f), boxAt(1.6f, 0, 0.7f)}, 1.0f,
                              CircleBoundary::Inclusive);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].x, 0.0f);
  EXPECT_EQ(kept[1].x, 1.6f);
}

TEST(CircleNms, KeepsAtMostMaxKeptBestFirst) {
  std::vector<Detection> dets;
  for (int i = 0; i < 5; ++i) dets.push_back(boxAt(10.0f * i, 0, 0.1f * (i + 1)));
  const auto kept = circleNms(dets, 1.0f, CircleBoundary::Inclusive, 3);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].x, 40.0f);
  EXPECT_EQ(kept[1].x, 30.0f);
  EXPECT_EQ(kept[2].x, 20.0f);
}

TEST(CircleNms, EqualScoresKeepInputOrder) {
  const auto kept = circleNms({boxAt(0, 0, 0.5f), boxAt(0.5f, 0, 0.5f)}, 1.0f, CircleBoundary::Inclusive);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].x, 0.0f);
}

TEST(CircleNms, EmptyInEmptyOut) { EXPECT_TRUE(circleNms({}, 1.0f, CircleBoundary::Inclusive).empty()); }

}  // namespace
}  // namespace cpq
