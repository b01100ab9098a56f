#include "decode/BevIou.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace cpq {
namespace {

struct Point {
  double x, y;
};

// Corners counter-clockwise: l along the yaw direction u, w along its left normal v.
std::array<Point, 4> footprint(const Detection& d) {
  const double c = std::cos(static_cast<double>(d.yaw));
  const double s = std::sin(static_cast<double>(d.yaw));
  const double hl = 0.5 * d.l;
  const double hw = 0.5 * d.w;
  const std::array<std::array<double, 2>, 4> signs{{{1, 1}, {-1, 1}, {-1, -1}, {1, -1}}};
  std::array<Point, 4> corners{};
  for (std::size_t i = 0; i < 4; ++i) {
    const double a = signs[i][0] * hl;
    const double b = signs[i][1] * hw;
    corners[i] = {d.x + a * c - b * s, d.y + a * s + b * c};
  }
  return corners;
}

// > 0 when p lies left of the directed edge a -> b (inside, for a counter-clockwise polygon).
double side(const Point& a, const Point& b, const Point& p) {
  return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
}

// One Sutherland-Hodgman step: the part of `poly` on the inner side of edge a -> b (points on it count).
std::vector<Point> clipByEdge(const std::vector<Point>& poly, const Point& a, const Point& b) {
  std::vector<Point> out;
  for (std::size_t i = 0; i < poly.size(); ++i) {
    const Point& p = poly[i];
    const Point& q = poly[(i + 1) % poly.size()];
    const double sp = side(a, b, p);
    const double sq = side(a, b, q);
    if (sp >= 0) out.push_back(p);
    if ((sp >= 0) != (sq >= 0)) {
      const double t = sp / (sp - sq);
      out.push_back({p.x + t * (q.x - p.x), p.y + t * (q.y - p.y)});
    }
  }
  return out;
}

double polygonArea(const std::vector<Point>& poly) {
  double twice = 0.0;
  for (std::size_t i = 0; i < poly.size(); ++i) {
    const Point& p = poly[i];
    const Point& q = poly[(i + 1) % poly.size()];
    twice += p.x * q.y - q.x * p.y;
  }
  return std::abs(twice) * 0.5;
}

}  // namespace

double bevIntersectionArea(const Detection& a, const Detection& b) {
  // Footprints whose circumscribed circles are apart cannot meet: skip the clipping (Autoware compares
  // same-class pairs at any distance).
  const double reach = 0.5 * (std::hypot(a.l, a.w) + std::hypot(b.l, b.w));
  if (std::hypot(static_cast<double>(a.x) - b.x, static_cast<double>(a.y) - b.y) > reach) return 0.0;
  const std::array<Point, 4> ca = footprint(a);
  const std::array<Point, 4> cb = footprint(b);
  std::vector<Point> poly(ca.begin(), ca.end());
  for (std::size_t i = 0; i < 4 && !poly.empty(); ++i) poly = clipByEdge(poly, cb[i], cb[(i + 1) % 4]);
  return poly.size() < 3 ? 0.0 : polygonArea(poly);
}

double bevIou(const Detection& a, const Detection& b) {
  constexpr double kMinArea = 1e-6;       // get2dIoU's MIN_AREA
  constexpr double kMinUnionArea = 0.01;  // get2dIoU's default min_union_area
  const double areaA = static_cast<double>(a.l) * a.w;
  const double areaB = static_cast<double>(b.l) * b.w;
  if (areaA < kMinArea || areaB < kMinArea) return 0.0;
  const double inter = bevIntersectionArea(a, b);
  if (inter < kMinArea) return 0.0;
  const double uni = areaA + areaB - inter;
  return uni < kMinUnionArea ? 0.0 : std::min(1.0, inter / uni);
}

}  // namespace cpq
