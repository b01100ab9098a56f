#pragma once
// The road the ego drives along (a circular arc of small curvature, or a straight line) and the ground
// (a gently sloped plane with small bumps). Positions along the road are (s, d): arc length and signed
// lateral offset, left positive.
#include <Eigen/Geometry>

namespace cpq {

struct RoadGeometry {
  Eigen::Vector2d origin{0, 0};  // global xy at s = 0, d = 0
  double heading0 = 0;           // tangent direction at s = 0
  double curvature = 0;          // 1 / radius, left positive

  double heading(double s) const { return heading0 + curvature * s; }
  Eigen::Vector2d tangent(double s) const;
  Eigen::Vector2d normal(double s) const;  // left
  Eigen::Vector2d point(double s, double d) const;
  // Velocity of a point moving at ds/dt = speed with constant d (the centreline speed scaled by 1 - kd).
  Eigen::Vector2d velocity(double s, double d, double speed) const;
  Eigen::Vector2d acceleration(double s, double d, double speed) const;
  double lateralOffset(const Eigen::Vector2d& p) const;  // d of the nearest road point
};

struct GroundSurface {
  Eigen::Vector3d anchor{0, 0, 0};  // a point of the plane (global)
  Eigen::Vector2d slope{0, 0};      // dz/dx, dz/dy
  double bumpAmplitude = 0.03;      // m
  double bumpWaveNumber = 0.6;      // rad / m

  double planeHeight(double x, double y) const;
  double bump(double x, double y) const;
  double height(double x, double y) const { return planeHeight(x, y) + bump(x, y); }
  Eigen::Vector3d normal() const;
};

// Ego -> global: on the ground plane, x along the road heading, z along the plane normal.
Eigen::Quaterniond groundAlignedRotation(const GroundSurface& ground, double yaw);

}  // namespace cpq

namespace cpq {

// Cross-section of the street, mirrored on both sides of the centreline (right-hand traffic): travel lanes,
// a bike lane, a parking lane, the curb, then the sidewalk (a furniture strip by the curb, then a walking
// zone), then the frontage (buildings, lots, yards).
struct StreetLayout {
  int lanesPerDirection = 1;
  double laneWidth = 3.5, bikeLaneWidth = 1.5, parkingLaneWidth = 2.5, sidewalkWidth = 4.0;

  double travelLaneCentre(int lane) const { return (lane + 0.5) * laneWidth; }  // |d|, lane 0 innermost
  double bikeLaneCentre() const { return lanesPerDirection * laneWidth + bikeLaneWidth / 2; }
  double parkingLaneCentre() const {
    return lanesPerDirection * laneWidth + bikeLaneWidth + parkingLaneWidth / 2;
  }
  double curb() const { return lanesPerDirection * laneWidth + bikeLaneWidth + parkingLaneWidth; }
  double frontage() const { return curb() + sidewalkWidth; }
};

}  // namespace cpq
