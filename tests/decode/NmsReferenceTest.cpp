// The grid-accelerated NMS passes against the plain O(n^2) loops of the references (mmdet3d's circle_nms,
// Autoware's NonMaximumSuppression) on random clustered boxes.
#include "DecodeTestSupport.h"
#include "decode/BevIou.h"
#include "decode/BevIouNms.h"
#include "decode/CircleNms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace cpq {
namespace {

std::vector<Detection> randomBoxes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pos(-15.0f, 15.0f), size(0.3f, 12.0f), yaw(-3.2f, 3.2f), score(0, 1);
  std::uniform_int_distribution<int> label(0, 4);
  std::vector<Detection> dets;
  for (std::size_t i = 0; i < n; ++i) {
    Detection d =
        test::boxAt(pos(rng), pos(rng), score(rng), size(rng), size(rng) * 0.3f, yaw(rng), label(rng));
    dets.push_back(d);
  }
  return dets;
}

std::vector<Detection> circleReference(std::vector<Detection> d, float thr, bool strict) {
  std::stable_sort(d.begin(), d.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  std::vector<bool> suppressed(d.size(), false);
  std::vector<Detection> kept;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (suppressed[i]) continue;
    kept.push_back(d[i]);
    for (std::size_t j = i + 1; j < d.size(); ++j) {
      const float dx = d[i].x - d[j].x, dy = d[i].y - d[j].y, dist = dx * dx + dy * dy;
      if (strict ? dist < thr : dist <= thr) suppressed[j] = true;
    }
  }
  return kept;
}

std::vector<Detection> iouReference(const std::vector<Detection>& d, float thr, float search, int target) {
  std::vector<Detection> kept;
  for (std::size_t i = 0; i < d.size(); ++i) {
    bool suppressed = false;
    for (std::size_t j = 0; j < i; ++j) {
      const double dx = double{d[i].x} - d[j].x, dy = double{d[i].y} - d[j].y;
      const bool pair =
          (d[i].label == target && d[j].label == target) || dx * dx + dy * dy <= double{search} * search;
      if (pair && bevIou(d[i], d[j]) > thr) suppressed = true;
    }
    if (!suppressed) kept.push_back(d[i]);
  }
  return kept;
}

void expectSame(const std::vector<Detection>& a, const std::vector<Detection>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].x, b[i].x) << i;
    EXPECT_EQ(a[i].score, b[i].score) << i;
  }
}

TEST(NmsReference, CircleNmsMatchesTheQuadraticLoop) {
  for (unsigned seed = 0; seed < 4; ++seed) {
    const auto boxes = randomBoxes(1500, seed);
    expectSame(circleNms(boxes, 1.0f, CircleBoundary::Inclusive), circleReference(boxes, 1.0f, false));
    expectSame(circleNms(boxes, 0.25f, CircleBoundary::Strict), circleReference(boxes, 0.25f, true));
  }
}

TEST(NmsReference, IouNmsMatchesTheQuadraticLoop) {
  for (unsigned seed = 0; seed < 4; ++seed) {
    auto boxes = randomBoxes(600, seed);
    std::sort(boxes.begin(), boxes.end(),
              [](const Detection& a, const Detection& b) { return a.score > b.score; });
    expectSame(bevIouNms(boxes, 0.1f, 10.0f, {0}), iouReference(boxes, 0.1f, 10.0f, 0));
    expectSame(bevIouNms(boxes, 0.3f, 2.0f, {1}), iouReference(boxes, 0.3f, 2.0f, 1));
  }
}

TEST(NmsReference, AFullHeadOfCandidatesStaysFast) {
  // Every cell of a 510 x 510 map at 0.48 m, as an untrained head scoring high everywhere gives Autoware.
  std::vector<Detection> dets;
  for (int y = 0; y < 510; ++y) {
    for (int x = 0; x < 510; ++x)
      dets.push_back(test::boxAt(0.48f * x, 0.48f * y, 0.5f + 1e-7f * (x + y), 0.4f, 0.4f));
  }
  const auto afterCircle = circleNms(dets, 0.25f, CircleBoundary::Strict);
  EXPECT_GT(afterCircle.size(), 1000u);
  EXPECT_EQ(bevIouNms(afterCircle, 0.1f, 10.0f, {0}).size(),
            afterCircle.size());  // 0.4 m boxes do not overlap
}

}  // namespace
}  // namespace cpq
