#include "train/PointFilters.h"

#include <cmath>
#include <numeric>

#include "train/PointsInBoxes.h"

namespace cpq {

at::Tensor pointsInRange(const at::Tensor& points, const std::array<float, 6>& r) {
  const at::Tensor p = points.to(at::kFloat);
  const at::Tensor x = p.select(1, 0), y = p.select(1, 1), z = p.select(1, 2);
  const at::Tensor keep = (x > r[0]) & (y > r[1]) & (z > r[2]) & (x < r[3]) & (y < r[4]) & (z < r[5]);
  return p.index_select(0, keep.nonzero().squeeze(1));
}

std::vector<LidarBox> objectsInBevRange(const std::vector<LidarBox>& boxes, const std::array<float, 6>& r) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  std::vector<LidarBox> out;
  for (const auto& b : boxes) {
    const auto x = static_cast<float>(b.center.x()), y = static_cast<float>(b.center.y());
    if (!(x > r[0] && y > r[1] && x < r[3] && y < r[4])) continue;
    LidarBox kept = b;
    kept.yaw = b.yaw - std::floor(b.yaw / kTwoPi + 0.5) * kTwoPi;  // limit_period(yaw, 0.5, 2 pi)
    out.push_back(kept);
  }
  return out;
}

std::vector<LidarBox> objectsOfKnownClass(const std::vector<LidarBox>& boxes) {
  std::vector<LidarBox> out;
  for (const auto& b : boxes) {
    if (b.label >= 0) out.push_back(b);
  }
  return out;
}

std::vector<LidarBox> objectsWithMinPoints(const std::vector<LidarBox>& boxes, const at::Tensor& points,
                                           int minPoints) {
  const std::vector<int64_t> counts = countPointsInBoxes(points, boxes);
  std::vector<LidarBox> out;
  for (std::size_t i = 0; i < boxes.size(); ++i) {
    if (counts[i] >= minPoints) out.push_back(boxes[i]);
  }
  return out;
}

at::Tensor shufflePoints(const at::Tensor& points, Rng& rng) {
  const int64_t n = points.size(0);
  at::Tensor order = at::empty({n}, at::kLong);
  int64_t* o = order.data_ptr<int64_t>();
  std::iota(o, o + n, int64_t{0});
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
    std::swap(o[i], o[j]);
  }
  return points.index_select(0, order);
}

void zeroUnknownVelocities(std::vector<LidarBox>& boxes) {
  for (auto& b : boxes) {
    if (!std::isfinite(b.velocity.x()) || !std::isfinite(b.velocity.y())) b.velocity.setZero();
  }
}

}  // namespace cpq
