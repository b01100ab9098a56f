#include "dataset/BoxTransforms.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "DatasetFixture.h"

namespace cpq {
namespace {

using testing::kPi;

Eigen::Quaterniond yawQ(double yaw) {
  return Eigen::Quaterniond(Eigen::AngleAxisd(yaw, Eigen::Vector3d::UnitZ()));
}

RigidPose pose(const Eigen::Vector3d& t, const Eigen::Quaterniond& q) {
  RigidPose p;
  p.translation = t;
  p.rotation = q;
  return p;
}

// Angle difference folded into (-pi, pi].
double angleDiff(double a, double b) { return std::remainder(a - b, 2 * kPi); }

TEST(BoxTransforms, HandComputedGlobalToLidar) {
  // Lidar at (1, 0, 2) on the ego, turned 90 degrees; ego at (10, 0, 0). The lidar origin is global (11, 0,
  // 2), its x axis is global +y, its y axis global -x.
  const RigidPose lidarToEgo = pose({1, 0, 2}, yawQ(kPi / 2));
  const RigidPose egoToGlobal = pose({10, 0, 0}, yawQ(0));
  GtBox box;
  box.center = {11, 5, 2};
  box.size = {2, 4, 1.5};  // w, l, h
  box.rotation = yawQ(kPi / 2);
  box.velocity = {1, 3};
  const LidarBox out = globalToLidar(box, lidarToEgo, egoToGlobal);
  EXPECT_NEAR(out.center.x(), 5, 1e-12);
  EXPECT_NEAR(out.center.y(), 0, 1e-12);
  EXPECT_NEAR(out.center.z(), 0, 1e-12);
  EXPECT_NEAR(out.yaw, 0, 1e-12);
  EXPECT_EQ(out.length, 4);
  EXPECT_EQ(out.width, 2);
  EXPECT_EQ(out.height, 1.5);
  EXPECT_NEAR(out.velocity.x(), 3, 1e-12);   // global +y is lidar +x
  EXPECT_NEAR(out.velocity.y(), -1, 1e-12);  // global +x is lidar -y
}

TEST(BoxTransforms, YawOfQuaternion) {
  EXPECT_NEAR(yawOf(yawQ(0.3)), 0.3, 1e-15);
  EXPECT_NEAR(yawOf(yawQ(-2.5)), -2.5, 1e-15);
  // Not normalised: the same yaw.
  Eigen::Quaterniond q = yawQ(1.0);
  q.coeffs() *= 3.0;
  EXPECT_NEAR(yawOf(q), 1.0, 1e-15);
}

class RandomPoses : public ::testing::Test {
 protected:
  Eigen::Quaterniond randomRotation() {
    std::normal_distribution<double> n(0, 1);
    return Eigen::Quaterniond(n(rng_), n(rng_), n(rng_), n(rng_)).normalized();
  }
  Eigen::Vector3d randomVector(double scale) {
    std::uniform_real_distribution<double> u(-scale, scale);
    return {u(rng_), u(rng_), u(rng_)};
  }
  LidarBox randomLidarBox() {
    std::uniform_real_distribution<double> u(0.5, 10), yaw(-3.1, 3.1);
    LidarBox b;
    b.center = randomVector(80);
    b.length = u(rng_);
    b.width = u(rng_);
    b.height = u(rng_);
    b.yaw = yaw(rng_);
    b.velocity = randomVector(15).head<2>();
    return b;
  }
  std::mt19937_64 rng_{42};
};

TEST_F(RandomPoses, LidarToGlobalToLidarRoundTrip) {
  for (int i = 0; i < 200; ++i) {
    const RigidPose lidarToEgo = pose(randomVector(3), randomRotation());
    const RigidPose egoToGlobal = pose(randomVector(1000), randomRotation());
    const LidarBox box = randomLidarBox();
    const GlobalBox g = lidarToGlobal(box, lidarToEgo, egoToGlobal);
    GtBox gt;
    gt.center = g.translation;
    gt.size = g.size;
    gt.rotation = g.rotation;
    const LidarBox back = globalToLidar(gt, lidarToEgo, egoToGlobal);
    EXPECT_LT((back.center - box.center).norm(), 1e-9);
    EXPECT_NEAR(back.length, box.length, 1e-12);
    EXPECT_NEAR(back.width, box.width, 1e-12);
    EXPECT_NEAR(back.height, box.height, 1e-12);
    EXPECT_NEAR(angleDiff(back.yaw, box.yaw), 0, 1e-9);
  }
}

TEST_F(RandomPoses, GlobalToLidarToGlobalRoundTrip) {
  for (int i = 0; i < 200; ++i) {
    const RigidPose lidarToEgo = pose(randomVector(3), randomRotation());
    const RigidPose egoToGlobal = pose(randomVector(1000), randomRotation());
    // A box upright in the lidar frame (what a yaw-only lidar box can express), written globally.
    GtBox gt;
    gt.center = randomVector(1000);
    gt.size = {1.9, 4.5, 1.6};
    gt.rotation = (egoToGlobal.rotation * lidarToEgo.rotation * yawQ(std::remainder(i * 0.37, 2 * kPi)));
    const GlobalBox back = lidarToGlobal(globalToLidar(gt, lidarToEgo, egoToGlobal), lidarToEgo, egoToGlobal);
    EXPECT_LT((back.translation - gt.center).norm(), 1e-9);
    EXPECT_EQ(back.size, gt.size);
    EXPECT_NEAR(std::abs(back.rotation.dot(gt.rotation)), 1.0, 1e-9);  // q and -q are the same rotation
  }
}

TEST_F(RandomPoses, VelocityRoundTripUnderYawOnlyPoses) {
  // Velocities are 2-D in both frames (vz = 0 assumed), so they round-trip where the poses keep z vertical.
  for (int i = 0; i < 200; ++i) {
    const RigidPose lidarToEgo = pose(randomVector(3), yawQ(i * 0.1));
    const RigidPose egoToGlobal = pose(randomVector(1000), yawQ(-i * 0.23));
    const LidarBox box = randomLidarBox();
    const GlobalBox g = lidarToGlobal(box, lidarToEgo, egoToGlobal);
    EXPECT_NEAR(g.velocity.norm(), box.velocity.norm(), 1e-9);
    GtBox gt;
    gt.center = g.translation;
    gt.rotation = g.rotation;
    gt.velocity = g.velocity;
    const LidarBox back = globalToLidar(gt, lidarToEgo, egoToGlobal);
    EXPECT_LT((back.velocity - box.velocity).norm(), 1e-9);
  }
}

TEST(BoxTransforms, PointsInBoxUseInclusiveBoundsInTheBoxFrame) {
  const Eigen::Vector3d center(0, 0, 0), size(2, 4, 2);  // w = 2 (local y), l = 4 (local x), h = 2
  EXPECT_TRUE(pointInBox({2, 0, 0}, center, size, yawQ(0)));
  EXPECT_TRUE(pointInBox({-2, 1, -1}, center, size, yawQ(0)));
  EXPECT_FALSE(pointInBox({2.001, 0, 0}, center, size, yawQ(0)));
  EXPECT_FALSE(pointInBox({0, 1.001, 0}, center, size, yawQ(0)));
  EXPECT_FALSE(pointInBox({0, 0, 1.001}, center, size, yawQ(0)));
  // Turned 90 degrees: the length now lies along global y.
  EXPECT_TRUE(pointInBox({0, 1.9, 0}, center, size, yawQ(kPi / 2)));
  EXPECT_FALSE(pointInBox({1.9, 0, 0}, center, size, yawQ(kPi / 2)));

  const at::Tensor points = at::tensor({0.f, 0.f, 0.f, 9.f,   //
                                        2.f, 0.f, 0.f, 9.f,   //
                                        0.f, 1.5f, 0.f, 9.f,  //
                                        10.f, 0.f, 0.f, 9.f})
                                .reshape({4, 4});
  EXPECT_EQ(countPointsInBox(points, center, size, yawQ(0)), 2);
  EXPECT_EQ(countPointsInBox(points, center, size, yawQ(kPi / 2)), 2);  // (0,0,0) and (0,1.5,0)
  LidarBox lidar;
  lidar.length = 4;
  lidar.width = 2;
  lidar.height = 2;
  lidar.yaw = kPi / 2;
  EXPECT_EQ(countPointsInBox(points, lidar), 2);
  lidar.center = {10, 0, 0};
  EXPECT_EQ(countPointsInBox(points, lidar), 1);
}

}  // namespace
}  // namespace cpq
