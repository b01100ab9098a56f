#include <gtest/gtest.h>

#include "dataset/ClassMapping.h"
#include "eval/AttributePrediction.h"
#include "eval/DetectionConfig.h"

namespace cpq {
namespace {

TEST(AttributePrediction, MmdetRule) {
  EXPECT_EQ("vehicle.moving", defaultAttribute("car", 0.3, 0));
  EXPECT_EQ("vehicle.parked", defaultAttribute("car", 0.2, 0));  // strictly above 0.2 m/s moves
  EXPECT_EQ("vehicle.stopped", defaultAttribute("bus", 0, 0.1));
  EXPECT_EQ("vehicle.moving", defaultAttribute("bus", 0, 1));
  EXPECT_EQ("vehicle.parked", defaultAttribute("construction_vehicle", 0, 0));
  EXPECT_EQ("cycle.with_rider", defaultAttribute("motorcycle", 1, 1));
  EXPECT_EQ("cycle.without_rider", defaultAttribute("bicycle", 0, 0));
  EXPECT_EQ("pedestrian.moving", defaultAttribute("pedestrian", 0, -0.5));
  EXPECT_EQ("pedestrian.standing", defaultAttribute("pedestrian", 0, 0));
  EXPECT_EQ("", defaultAttribute("barrier", 5, 5));
  EXPECT_EQ("", defaultAttribute("traffic_cone", 0, 0));
}

TEST(DetectionConfigTest, CategoryMapping) {
  EXPECT_EQ("bus", devkitDetectionName("vehicle.bus.bendy"));
  EXPECT_EQ("pedestrian", devkitDetectionName("human.pedestrian.police_officer"));
  EXPECT_EQ("", devkitDetectionName("human.pedestrian.stroller"));
  EXPECT_EQ("", devkitDetectionName("vehicle.emergency.ambulance"));
}

}  // namespace
}  // namespace cpq
