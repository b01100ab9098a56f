#include "train/GlobalAugmentation.h"

#include <cmath>

namespace cpq {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Row pointer access to [N, C] float32 CPU points (x, y, z first).
template <typename F>
void forEachPoint(at::Tensor& points, F&& f) {
  points = points.to(at::kFloat).contiguous();
  const int64_t n = points.size(0), stride = points.size(1);
  float* rows = points.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) f(rows + i * stride);
}

}  // namespace

AugmentationDraw drawAugmentation(const AugmentationConfig& cfg, Rng& rng) {
  AugmentationDraw d;
  d.flipHorizontal = rng.bernoulli(cfg.flipRatioBevHorizontal);
  d.flipVertical = rng.bernoulli(cfg.flipRatioBevVertical);
  d.rotation = rng.uniform(cfg.rotRange[0], cfg.rotRange[1]);
  d.scale = rng.uniform(cfg.scaleRatioRange[0], cfg.scaleRatioRange[1]);
  for (int a = 0; a < 3; ++a) d.translation[a] = rng.normal(0.0, cfg.translationStd[a]);
  return d;
}

void flipBev(TrainFrame& frame, bool horizontal) {
  const int axis = horizontal ? 1 : 0;
  forEachPoint(frame.points, [axis](float* p) { p[axis] = -p[axis]; });
  for (auto& b : frame.boxes) {
    b.center[axis] = -b.center[axis];
    b.velocity[axis] = -b.velocity[axis];
    b.yaw = horizontal ? -b.yaw : kPi - b.yaw;
  }
}

void rotateGlobal(TrainFrame& frame, double angle) {
  // Points are float32 in mmdet3d and rotated by a float32 matrix; boxes stay double here (they are
  // float32 there too, but their sub-micrometre rounding is irrelevant to targets).
  const float c = static_cast<float>(std::cos(angle)), s = static_cast<float>(std::sin(angle));
  forEachPoint(frame.points, [c, s](float* p) {
    const float x = p[0], y = p[1];
    p[0] = c * x - s * y;
    p[1] = s * x + c * y;
  });
  const double cd = std::cos(angle), sd = std::sin(angle);
  for (auto& b : frame.boxes) {
    const double x = b.center.x(), y = b.center.y(), vx = b.velocity.x(), vy = b.velocity.y();
    b.center.x() = cd * x - sd * y;
    b.center.y() = sd * x + cd * y;
    b.velocity = Eigen::Vector2d(cd * vx - sd * vy, sd * vx + cd * vy);
    b.yaw += angle;
  }
}

void scaleGlobal(TrainFrame& frame, double factor) {
  const auto f = static_cast<float>(factor);
  forEachPoint(frame.points, [f](float* p) {
    p[0] *= f;
    p[1] *= f;
    p[2] *= f;
  });
  for (auto& b : frame.boxes) {
    b.center *= factor;
    b.length *= factor;
    b.width *= factor;
    b.height *= factor;
    b.velocity *= factor;
  }
}

void translateGlobal(TrainFrame& frame, const std::array<double, 3>& offset) {
  const float t[3] = {static_cast<float>(offset[0]), static_cast<float>(offset[1]),
                      static_cast<float>(offset[2])};
  forEachPoint(frame.points, [&t](float* p) {
    p[0] += t[0];
    p[1] += t[1];
    p[2] += t[2];
  });
  for (auto& b : frame.boxes) b.center += Eigen::Vector3d(offset[0], offset[1], offset[2]);
}

TrainFrame applyAugmentation(TrainFrame frame, const AugmentationDraw& draw) {
  frame.points = frame.points.to(at::kFloat).clone();  // never write through to the caller's tensor
  if (draw.flipHorizontal) flipBev(frame, true);
  if (draw.flipVertical) flipBev(frame, false);
  rotateGlobal(frame, draw.rotation);
  scaleGlobal(frame, draw.scale);
  translateGlobal(frame, draw.translation);
  return frame;
}

}  // namespace cpq
