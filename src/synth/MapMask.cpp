#include "synth/MapMask.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/Error.h"
#include "core/RgbImage.h"
#include "synth/SynthMath.h"

namespace cpq {
namespace {

// The street test with the road's constants computed once (the mask has millions of pixels).
class StreetClassifier {
 public:
  explicit StreetClassifier(const SynthScene& sc)
      : road_(sc.road),
        straight_(std::abs(sc.road.curvature) < 1e-9),
        halfWidth_(sc.street.frontage()),
        lo_(sc.spanLo),
        hi_(sc.spanHi) {
    tangent_ = road_.tangent(0);
    normal_ = road_.normal(0);
    if (!straight_) {
      // Centre of the arc; |P - C| in [R - w, R + w] <=> |d| <= w (R = 1 / |curvature|).
      centre_ = road_.origin + normal_ / road_.curvature;
      const double radius = 1.0 / std::abs(road_.curvature);
      inner2_ = std::max(0.0, radius - halfWidth_);
      inner2_ *= inner2_;
      outer2_ = (radius + halfWidth_) * (radius + halfWidth_);
      sMid_ = 0.5 * (lo_ + hi_);
      hMid_ = road_.heading(sMid_);
    }
  }

  bool onStreet(double x, double y) const {
    if (straight_) {
      const double rx = x - road_.origin.x(), ry = y - road_.origin.y();
      const double d = normal_.x() * rx + normal_.y() * ry;
      if (d < -halfWidth_ || d > halfWidth_) return false;
      const double s = tangent_.x() * rx + tangent_.y() * ry;
      return s >= lo_ && s <= hi_;
    }
    const double rx = x - centre_.x(), ry = y - centre_.y();
    const double dist2 = rx * rx + ry * ry;
    if (dist2 < inner2_ || dist2 > outer2_) return false;
    // curvature * (P - C) points along (sin h, -cos h): h = atan2 + pi / 2, unwrapped around the middle of
    // the stretch so that the far side of the circle is never taken for it.
    const double k = road_.curvature;
    const double h = synthmath::atan2(k * ry, k * rx) + M_PI / 2;
    const double s = sMid_ + std::remainder(h - hMid_, 2 * M_PI) / k;
    return s >= lo_ && s <= hi_;
  }

 private:
  const RoadGeometry& road_;
  bool straight_;
  double halfWidth_, lo_, hi_;
  Eigen::Vector2d tangent_, normal_, centre_{0, 0};
  double inner2_ = 0, outer2_ = 0, sMid_ = 0, hMid_ = 0;
};

}  // namespace

Eigen::Vector2d MapMaskGrid::pixelWorld(int c, int r) const {
  return origin + Eigen::Vector2d(c * kMapMaskResolution, (height - r) * kMapMaskResolution);
}

MapMaskGrid mapMaskGrid(const SynthScene& sc) {
  // The region's boundary: the sides d = +-reach, sampled every metre (an arc's sag between samples is under
  // 2 mm for the tightest curve), and the straight ends at spanLo and spanHi.
  Eigen::Vector2d lo(INFINITY, INFINITY), hi(-INFINITY, -INFINITY);
  const int steps = static_cast<int>(std::ceil(sc.spanHi - sc.spanLo));
  for (int i = 0; i <= steps; ++i) {
    const double s = std::min(sc.spanHi, sc.spanLo + i);
    for (double d : {-sc.reach, sc.reach}) {
      const Eigen::Vector2d p = sc.road.point(s, d);
      lo = lo.cwiseMin(p);
      hi = hi.cwiseMax(p);
    }
  }
  MapMaskGrid g;
  g.origin = Eigen::Vector2d(std::floor(lo.x()) - 1, std::floor(lo.y()) - 1);
  const Eigen::Vector2d size = hi - g.origin + Eigen::Vector2d(1, 1);
  const double w = std::ceil(size.x() / kMapMaskResolution) + 1,
               h = std::ceil(size.y() / kMapMaskResolution) + 1;
  if (w > kMaxMapMaskSide || h > kMaxMapMaskSide)
    throw Error("--frames-per-scene: a scene's map mask would be " + std::to_string(static_cast<long>(w)) +
                " x " + std::to_string(static_cast<long>(h)) + " pixels at 0.1 m (at most " +
                std::to_string(kMaxMapMaskSide) + " on a side); use fewer keyframes per scene");
  g.width = static_cast<int>(w);
  g.height = static_cast<int>(h);
  return g;
}

uint8_t streetMaskValue(const SynthScene& scene, const Eigen::Vector2d& world) {
  return StreetClassifier(scene).onStreet(world.x(), world.y()) ? kMapMaskForeground : kMapMaskBackground;
}

void writeMapMask(const std::string& path, const SynthScene& scene, const MapMaskGrid& grid) {
  const StreetClassifier street(scene);
  std::vector<double> xs(static_cast<size_t>(grid.width));
  for (int c = 0; c < grid.width; ++c) xs[c] = grid.pixelWorld(c, 0).x();
  writeGrayPng(path, grid.width, grid.height, [&](int r, uint8_t* row) {
    const double y = grid.pixelWorld(0, r).y();
    for (int c = 0; c < grid.width; ++c)
      row[c] = street.onStreet(xs[c], y) ? kMapMaskForeground : kMapMaskBackground;
  });
}

}  // namespace cpq
