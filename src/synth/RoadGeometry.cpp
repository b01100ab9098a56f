#include "synth/RoadGeometry.h"
#include "synth/SynthMath.h"

#include <cmath>

namespace cpq {

Eigen::Vector2d RoadGeometry::tangent(double s) const {
  const double h = heading(s);
  return {synthmath::cos(h), synthmath::sin(h)};
}

Eigen::Vector2d RoadGeometry::normal(double s) const {
  const double h = heading(s);
  return {-synthmath::sin(h), synthmath::cos(h)};
}

Eigen::Vector2d RoadGeometry::point(double s, double d) const {
  Eigen::Vector2d centre;
  if (std::abs(curvature) < 1e-9) {
    centre = origin + s * Eigen::Vector2d(synthmath::cos(heading0), synthmath::sin(heading0));
  } else {
    const double h = heading(s);
    centre = origin + Eigen::Vector2d(synthmath::sin(h) - synthmath::sin(heading0),
                                      synthmath::cos(heading0) - synthmath::cos(h)) /
                          curvature;
  }
  return centre + d * normal(s);
}

Eigen::Vector2d RoadGeometry::velocity(double s, double d, double speed) const {
  return speed * (1.0 - curvature * d) * tangent(s);
}

Eigen::Vector2d RoadGeometry::acceleration(double s, double d, double speed) const {
  return speed * speed * curvature * (1.0 - curvature * d) * normal(s);
}

double RoadGeometry::lateralOffset(const Eigen::Vector2d& p) const {
  if (std::abs(curvature) < 1e-9) {
    const Eigen::Vector2d n(-synthmath::sin(heading0), synthmath::cos(heading0));
    return n.dot(p - origin);
  }
  const Eigen::Vector2d centre =
      origin + Eigen::Vector2d(-synthmath::sin(heading0), synthmath::cos(heading0)) / curvature;
  const double radius = 1.0 / std::abs(curvature);
  const double dist = (p - centre).norm();
  return curvature > 0 ? radius - dist : dist - radius;
}

double GroundSurface::planeHeight(double x, double y) const {
  return anchor.z() + slope.x() * (x - anchor.x()) + slope.y() * (y - anchor.y());
}

double GroundSurface::bump(double x, double y) const {
  const double u = (x - anchor.x()) * bumpWaveNumber, v = (y - anchor.y()) * bumpWaveNumber * 0.7;
  return bumpAmplitude * synthmath::sin(u) * synthmath::cos(v);
}

Eigen::Vector3d GroundSurface::normal() const {
  return Eigen::Vector3d(-slope.x(), -slope.y(), 1).normalized();
}

Eigen::Quaterniond groundAlignedRotation(const GroundSurface& ground, double yaw) {
  const Eigen::Vector3d z = ground.normal();
  const Eigen::Vector3d t(synthmath::cos(yaw), synthmath::sin(yaw), 0);
  const Eigen::Vector3d x = (t - t.dot(z) * z).normalized();
  Eigen::Matrix3d m;
  m.col(0) = x;
  m.col(1) = z.cross(x);
  m.col(2) = z;
  return Eigen::Quaterniond(m).normalized();
}

}  // namespace cpq
