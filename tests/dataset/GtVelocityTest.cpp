#include "dataset/GtVelocity.h"

#include <gtest/gtest.h>

#include <cmath>

#include "DatasetFixture.h"

namespace cpq {
namespace {

TrackPoint at(double x, double y, double seconds) {
  return TrackPoint{Eigen::Vector3d(x, y, 0), static_cast<int64_t>(std::llround(seconds * 1e6))};
}

bool isNan(const Eigen::Vector3d& v) { return std::isnan(v.x()) && std::isnan(v.y()) && std::isnan(v.z()); }

TEST(GtVelocity, CentredDifferenceSpansPrevToNext) {
  const TrackPoint prev = at(0, 0, 0), cur = at(1, 0, 0.5), next = at(3, -1, 1.0);
  const Eigen::Vector3d v = devkitBoxVelocity(&prev, cur, &next);
  EXPECT_NEAR(v.x(), 3.0, 1e-12);  // (3 - 0) / 1 s, the current position plays no part
  EXPECT_NEAR(v.y(), -1.0, 1e-12);
}

TEST(GtVelocity, OneSidedAtTheEnds) {
  const TrackPoint prev = at(0, 0, 0), cur = at(1, 2, 0.5), next = at(2, 2, 1.0);
  EXPECT_NEAR(devkitBoxVelocity(&prev, cur, nullptr).x(), 2.0, 1e-12);  // (1 - 0) / 0.5 s
  EXPECT_NEAR(devkitBoxVelocity(&prev, cur, nullptr).y(), 4.0, 1e-12);
  EXPECT_NEAR(devkitBoxVelocity(nullptr, cur, &next).x(), 2.0, 1e-12);  // (2 - 1) / 0.5 s
  EXPECT_NEAR(devkitBoxVelocity(nullptr, cur, &next).y(), 0.0, 1e-12);
}

TEST(GtVelocity, NanWithoutNeighboursOrOverLongGaps) {
  const TrackPoint cur = at(1, 0, 10);
  EXPECT_TRUE(isNan(devkitBoxVelocity(nullptr, cur, nullptr)));
  // One-sided: a gap of exactly 1.5 s still gives a value (the devkit rejects only dt > 1.5), more gives NaN.
  const TrackPoint prev15 = at(0, 0, 8.5), prev16 = at(0, 0, 8.4);
  EXPECT_NEAR(devkitBoxVelocity(&prev15, cur, nullptr).x(), 1 / 1.5, 1e-12);
  EXPECT_TRUE(isNan(devkitBoxVelocity(&prev16, cur, nullptr)));
  // Centred: the limit doubles to 3 s (exactly 3 s is accepted).
  const TrackPoint first = at(0, 0, 0.5), mid = at(1, 0, 2), last3 = at(6, 0, 3.5), last31 = at(6, 0, 3.6);
  EXPECT_NEAR(devkitBoxVelocity(&first, mid, &last3).x(), 2.0, 1e-12);
  EXPECT_TRUE(isNan(devkitBoxVelocity(&first, mid, &last31)));
  // A 1.6 s one-sided gap is too long, but the same prev with a next 1.3 s ahead is a valid centred one.
  const TrackPoint next13 = at(2.9, 0, 11.3);
  EXPECT_NEAR(devkitBoxVelocity(&prev16, cur, &next13).x(), 2.9 / 2.9, 1e-12);
}

class GtVelocityTables : public testing::DatasetTest {};

TEST_F(GtVelocityTables, StoredFieldWinsElseComputedFromTheTrack) {
  testing::t4Tables("scene").write(root_);
  const NuScenesTables t = NuScenesTables::load(root_);
  // a_car0 stores (1, 2): used although its track would give (50 - 10) / 0.1 s.
  EXPECT_EQ(annotationVelocity(t, t.sampleAnnotation.find("a_car0")), Eigen::Vector2d(1, 2));
  // a_trailer0 stores null: next is (20.5, 1) 0.1 s later -> (5, 10).
  const Eigen::Vector2d trailer = annotationVelocity(t, t.sampleAnnotation.find("a_trailer0"));
  EXPECT_NEAR(trailer.x(), 5.0, 1e-9);
  EXPECT_NEAR(trailer.y(), 10.0, 1e-9);
  // a_ped0 has no field and no neighbour.
  EXPECT_TRUE(std::isnan(annotationVelocity(t, t.sampleAnnotation.find("a_ped0")).x()));
}

}  // namespace
}  // namespace cpq
