#include "dataset/ClassMapping.h"

#include <gtest/gtest.h>

#include "DatasetFixture.h"

namespace cpq {
namespace {

TEST(ClassMapping, DevkitTableForTheTenNuScenesClasses) {
  std::vector<std::string> classes = testing::nuScenesClasses();
  std::swap(classes[0], classes[9]);  // the devkit table is chosen by the set of classes, not their order
  const ClassMapping m(classes);
  EXPECT_TRUE(m.usesDevkitTable());
  EXPECT_EQ(m.className("vehicle.bus.rigid"), "bus");
  EXPECT_EQ(m.className("vehicle.bus.bendy"), "bus");
  EXPECT_EQ(m.className("vehicle.trailer"), "trailer");
  EXPECT_EQ(m.className("vehicle.construction"), "construction_vehicle");
  EXPECT_EQ(m.className("vehicle.motorcycle"), "motorcycle");
  EXPECT_EQ(m.className("human.pedestrian.police_officer"), "pedestrian");
  EXPECT_EQ(m.className("movable_object.trafficcone"), "traffic_cone");
  EXPECT_EQ(m.className("vehicle.emergency.police"), "");
  EXPECT_EQ(m.className("human.pedestrian.stroller"), "");
  EXPECT_EQ(m.className("animal"), "");
  EXPECT_EQ(m.className("car"), "");  // a T4 short name is no nuScenes category
  EXPECT_EQ(m.label("car"), 9);
  EXPECT_EQ(m.label("traffic_cone"), 0);
  EXPECT_EQ(m.label("nothing"), -1);
}

TEST(ClassMapping, AwmlTableForFiveClasses) {
  const ClassMapping m(testing::awmlClasses());
  EXPECT_FALSE(m.usesDevkitTable());
  // nuScenes names
  EXPECT_EQ(m.className("vehicle.car"), "car");
  EXPECT_EQ(m.className("vehicle.trailer"), "truck");  // AWML merges trailer into truck
  EXPECT_EQ(m.className("vehicle.construction"), "truck");
  EXPECT_EQ(m.className("vehicle.motorcycle"), "bicycle");
  EXPECT_EQ(m.className("vehicle.bus.bendy"), "bus");
  EXPECT_EQ(m.className("human.pedestrian.child"), "pedestrian");
  EXPECT_EQ(m.className("vehicle.emergency.ambulance"), "car");
  EXPECT_EQ(m.className("vehicle.police"), "car");
  EXPECT_EQ(m.className("movable_object.barrier"), "");
  EXPECT_EQ(m.className("movable_object.trafficcone"), "");
  // T4 short names
  EXPECT_EQ(m.className("police_car"), "car");
  EXPECT_EQ(m.className("forklift"), "car");
  EXPECT_EQ(m.className("semi_trailer"), "truck");
  EXPECT_EQ(m.className("trailer"), "truck");
  EXPECT_EQ(m.className("motorcycle"), "bicycle");
  EXPECT_EQ(m.className("stroller"), "pedestrian");
  EXPECT_EQ(m.className("pedestrian.wheelchair"), "pedestrian");
  EXPECT_EQ(m.className("animal"), "");
  EXPECT_EQ(m.label("pedestrian"), 4);
}

TEST(ClassMapping, TrailerStaysTrailerWhenTheConfigHasIt) {
  const ClassMapping m({"car", "truck", "trailer"});
  EXPECT_EQ(m.className("vehicle.trailer"), "trailer");
  EXPECT_EQ(m.className("semi_trailer"), "trailer");
  EXPECT_EQ(m.className("vehicle.bus.rigid"), "");  // bus is not a class here
}

TEST(ClassMapping, ExplicitMappingWinsCategoryByCategory) {
  const ClassMapping m(testing::awmlClasses(), {{"vehicle.car", "truck"},
                                                {"animal", "pedestrian"},
                                                {"vehicle.bus.rigid", "tram"}});  // not a class: dropped
  EXPECT_EQ(m.className("vehicle.car"), "truck");
  EXPECT_EQ(m.className("animal"), "pedestrian");
  EXPECT_EQ(m.className("vehicle.bus.rigid"), "");
  EXPECT_EQ(m.className("vehicle.bus.bendy"), "bus");  // not overridden: the built-in table
}

TEST(ClassMapping, DevkitDetectionName) {
  EXPECT_EQ(devkitDetectionName("vehicle.truck"), "truck");
  EXPECT_EQ(devkitDetectionName("human.pedestrian.construction_worker"), "pedestrian");
  EXPECT_EQ(devkitDetectionName("movable_object.barrier"), "barrier");
  EXPECT_EQ(devkitDetectionName("vehicle.emergency.ambulance"), "");
  EXPECT_EQ(devkitDetectionName("static_object.bicycle_rack"), "");
  EXPECT_EQ(devkitDetectionClasses().size(), 10u);
  EXPECT_EQ(devkitDetectionClasses().front(), "car");
  EXPECT_EQ(devkitDetectionClasses().back(), "barrier");
}

}  // namespace
}  // namespace cpq
