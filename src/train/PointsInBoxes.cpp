#include "train/PointsInBoxes.h"

#include <cmath>

namespace cpq {

bool pointInBox(const LidarBox& box, double x, double y, double z) {
  const double dx = x - box.center.x(), dy = y - box.center.y();
  const double c = std::cos(box.yaw), s = std::sin(box.yaw);
  const double along = c * dx + s * dy, across = -s * dx + c * dy;  // the box frame: x along yaw
  return std::abs(along) < box.length / 2 && std::abs(across) < box.width / 2 &&
         std::abs(z - box.center.z()) < box.height / 2;
}

std::vector<int64_t> countPointsInBoxes(const at::Tensor& points, const std::vector<LidarBox>& boxes) {
  std::vector<int64_t> counts(boxes.size(), 0);
  const at::Tensor p = points.to(at::kFloat).contiguous();
  const int64_t n = p.size(0), stride = p.size(1);
  const float* rows = p.data_ptr<float>();
  for (std::size_t b = 0; b < boxes.size(); ++b) {
    const LidarBox& box = boxes[b];
    // A bounding circle first: most points are far from any one box.
    const double reach = 0.5 * std::hypot(box.length, box.width);
    for (int64_t i = 0; i < n; ++i) {
      const float* r = rows + i * stride;
      if (std::abs(r[0] - box.center.x()) > reach || std::abs(r[1] - box.center.y()) > reach) continue;
      if (pointInBox(box, r[0], r[1], r[2])) ++counts[b];
    }
  }
  return counts;
}

}  // namespace cpq
