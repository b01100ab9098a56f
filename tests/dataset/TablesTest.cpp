#include "dataset/NuScenesTables.h"

#include <gtest/gtest.h>

#include "DatasetFixture.h"

namespace cpq {
namespace {

using testing::DatasetTest;

class TablesTest : public DatasetTest {};

std::string tokenOf(const NuScenesTables& t, uint32_t sdRow) { return t.sampleData.rows.at(sdRow).token; }

TEST_F(TablesTest, RebuildsKeyframeAndAnnotationIndices) {
  testing::nuScenesTables().write(root_);
  const NuScenesTables t = NuScenesTables::load(root_);
  EXPECT_EQ(t.channel, "LIDAR_TOP");
  ASSERT_EQ(t.sample.rows.size(), 3u);
  // sample.json lists s1b, s2a, s1a.
  EXPECT_EQ(t.sample.find("s1b"), 0u);
  EXPECT_EQ(t.sample.find("s1a"), 2u);
  EXPECT_EQ(t.sample.find("nope"), kNoRow);
  EXPECT_EQ(tokenOf(t, t.sampleKeyframe[t.sample.find("s1a")]), "kf1a");
  EXPECT_EQ(tokenOf(t, t.sampleKeyframe[t.sample.find("s1b")]), "kf1b");
  EXPECT_EQ(tokenOf(t, t.sampleKeyframe[t.sample.find("s2a")]), "kf2a");

  // Annotations of s1a in table order: ann_car_a, ann_ped_a, ann_police_a.
  std::vector<std::string> anns;
  for (uint32_t a : t.sampleAnnotations[t.sample.find("s1a")])
    anns.push_back(t.sampleAnnotation.rows[a].token);
  EXPECT_EQ(anns, (std::vector<std::string>{"ann_car_a", "ann_ped_a", "ann_police_a"}));
  EXPECT_EQ(t.sampleAnnotations[t.sample.find("s1b")].size(), 1u);
}

TEST_F(TablesTest, ResolvesReferencesAndLinks) {
  testing::nuScenesTables().write(root_);
  const NuScenesTables t = NuScenesTables::load(root_);
  const SampleAnnotationRow& carB = t.sampleAnnotation.rows[t.sampleAnnotation.find("ann_car_b")];
  EXPECT_EQ(carB.prev, t.sampleAnnotation.find("ann_car_a"));
  EXPECT_EQ(carB.next, kNoRow);
  EXPECT_EQ(t.category.rows[t.instance.rows[carB.instance].category].name, "vehicle.car");
  EXPECT_EQ(t.attribute.rows[carB.attributes.at(0)].name, "vehicle.moving");
  EXPECT_EQ(carB.size, Eigen::Vector3d(2, 4, 1.5));
  EXPECT_EQ(carB.numLidarPts, 8);
  EXPECT_EQ(carB.numRadarPts, 1);
  EXPECT_TRUE(std::isnan(carB.velocity.x()));  // nuScenes stores none

  const SampleDataRow& kf1b = t.sampleData.rows[t.sampleData.find("kf1b")];
  EXPECT_EQ(tokenOf(t, kf1b.prev), "sw1");
  EXPECT_EQ(kf1b.timestamp, 1500000);
  EXPECT_TRUE(kf1b.isKeyFrame);
  EXPECT_EQ(kf1b.filename, "samples/LIDAR_TOP/kf1b.pcd.bin");
  EXPECT_EQ(t.egoPose.rows[kf1b.egoPose].egoToGlobal.translation, Eigen::Vector3d(11, 0, 0));
  const RigidPose& cs = t.calibratedSensor.rows[kf1b.calibratedSensor].sensorToEgo;
  EXPECT_EQ(cs.translation, Eigen::Vector3d(1, 0, 2));
  EXPECT_NEAR(cs.rotation.w(), std::sqrt(0.5), 1e-15);

  const SceneRow& scene = t.scene.rows[t.scene.find("scene_a")];
  EXPECT_EQ(scene.name, "scene-0103");
  EXPECT_EQ(scene.firstSample, t.sample.find("s1a"));
  EXPECT_EQ(scene.lastSample, t.sample.find("s1b"));
  EXPECT_EQ(t.map.rows.at(0).logs, std::vector<uint32_t>{0});
}

TEST_F(TablesTest, KeepsOnlyTheLidarChannelAndTheEgoPosesItUses) {
  testing::nuScenesTables().write(root_);
  const NuScenesTables t = NuScenesTables::load(root_);
  EXPECT_EQ(t.sampleData.rows.size(), 5u);  // 6 records, one of them the camera
  EXPECT_EQ(t.sampleData.find("cam1a"), kNoRow);
  EXPECT_EQ(t.egoPose.rows.size(), 5u);
  EXPECT_EQ(t.egoPose.find("ep_unused"), kNoRow);

  const NuScenesTables cam = NuScenesTables::load(root_, TableLoadOptions{"CAM_FRONT"});
  ASSERT_EQ(cam.sampleData.rows.size(), 1u);
  EXPECT_EQ(tokenOf(cam, cam.sampleKeyframe[cam.sample.find("s1a")]), "cam1a");
  EXPECT_EQ(cam.sampleKeyframe[cam.sample.find("s1b")], kNoRow);
}

TEST_F(TablesTest, T4PicksLidarConcatAndReadsVelocityFields) {
  testing::t4Tables("scene").write(root_);
  const NuScenesTables t = NuScenesTables::load(root_);
  EXPECT_EQ(t.channel, "LIDAR_CONCAT");
  EXPECT_EQ(t.sampleData.find("top0"), kNoRow);
  const SampleAnnotationRow& car = t.sampleAnnotation.rows[t.sampleAnnotation.find("a_car0")];
  EXPECT_EQ(car.velocity, Eigen::Vector3d(1, 2, 0));
  EXPECT_TRUE(std::isnan(car.acceleration.x()));  // null
  EXPECT_TRUE(std::isnan(t.sampleAnnotation.rows[t.sampleAnnotation.find("a_trailer0")].velocity.x()));
  EXPECT_TRUE(std::isnan(t.sampleAnnotation.rows[t.sampleAnnotation.find("a_ped0")].velocity.x()));

  const NuScenesTables top = NuScenesTables::load(root_, TableLoadOptions{"LIDAR_TOP"});
  EXPECT_EQ(top.channel, "LIDAR_TOP");
  EXPECT_EQ(top.sampleData.rows.size(), 1u);
}

}  // namespace
}  // namespace cpq
