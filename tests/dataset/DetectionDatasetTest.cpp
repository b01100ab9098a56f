#include "dataset/DetectionDataset.h"

#include <gtest/gtest.h>

#include "DatasetFixture.h"

namespace cpq {
namespace {

using testing::kPi;
namespace fs = std::filesystem;

class NuScenesDataset : public testing::DatasetTest {
 protected:
  DetectionDataset open(int sweeps = 1, std::vector<std::string> classes = testing::nuScenesClasses()) {
    testing::writeNuScenes(root_);
    DatasetOptions options;
    options.dataRoot = root_.string();
    options.sweepsNum = sweeps;
    options.classNames = std::move(classes);
    return DetectionDataset::open(options);
  }
};

std::vector<std::string> tokens(const DetectionDataset& ds) {
  std::vector<std::string> out;
  for (const SampleInfo& s : ds.samples()) out.push_back(s.token);
  return out;
}

TEST_F(NuScenesDataset, KeyframesInSceneOrderThenTimeOrder) {
  const DetectionDataset ds = open();
  EXPECT_EQ(ds.layout(), DatasetLayout::NuScenes);
  // scene.json lists scene-0916 (s2a) before scene-0103 (s1a at 1.0 s, s1b at 1.5 s).
  EXPECT_EQ(tokens(ds), (std::vector<std::string>{"s2a", "s1a", "s1b"}));
  EXPECT_EQ(ds.sceneNames(), (std::vector<std::string>{"scene-0916", "scene-0103"}));
  const SampleInfo& s1a = ds.sample(1);
  EXPECT_EQ(s1a.sceneName, "scene-0103");
  EXPECT_EQ(s1a.timestamp, 1000000);
  EXPECT_EQ(s1a.lidarToken, "kf1a");
  EXPECT_EQ(s1a.lidarPath, (root_ / "samples/LIDAR_TOP/kf1a.pcd.bin").string());
  EXPECT_EQ(s1a.egoToGlobal.translation, Eigen::Vector3d(10, 0, 0));
  EXPECT_EQ(s1a.lidarToEgo.translation, Eigen::Vector3d(1, 0, 2));
}

TEST_F(NuScenesDataset, SweepsFollowPrevWithPoseAndTimeLag) {
  const DetectionDataset ds = open(2);
  const SampleInfo& s1a = ds.sample(1);
  ASSERT_EQ(s1a.sweeps.size(), 1u);  // the chain ends after sw0
  EXPECT_EQ(s1a.sweeps[0].token, "sw0");
  EXPECT_EQ(s1a.sweeps[0].path, (root_ / "sweeps/LIDAR_TOP/sw0.pcd.bin").string());
  EXPECT_NEAR(s1a.sweeps[0].timeLag, 0.05, 1e-12);
  // sw0's lidar sits 1 m behind in global x, which is the keyframe lidar's +y: a point moves by (0, 1, 0).
  const Eigen::Vector3d moved = s1a.sweeps[0].sensorToRef.apply({5, 0, 0});
  EXPECT_LT((moved - Eigen::Vector3d(5, 1, 0)).norm(), 1e-12);

  const SampleInfo& s1b = ds.sample(2);
  ASSERT_EQ(s1b.sweeps.size(), 2u);  // nearest first: sw1 then the previous keyframe kf1a
  EXPECT_EQ(s1b.sweeps[0].token, "sw1");
  EXPECT_EQ(s1b.sweeps[1].token, "kf1a");
  EXPECT_NEAR(s1b.sweeps[0].timeLag, 0.25, 1e-12);
  EXPECT_NEAR(s1b.sweeps[1].timeLag, 0.5, 1e-12);
  EXPECT_LT((s1b.sweeps[0].sensorToRef.translation - Eigen::Vector3d(0, 0.5, 0)).norm(), 1e-12);
  EXPECT_LT((s1b.sweeps[1].sensorToRef.translation - Eigen::Vector3d(0, 1, 0)).norm(), 1e-12);
  EXPECT_TRUE(ds.sample(0).sweeps.empty());  // s2a has no previous lidar frame
}

TEST_F(NuScenesDataset, PointsStackKeyframeAndMovedSweepWithoutClosePoints) {
  const DetectionDataset ds = open(1);
  const at::Tensor p = ds.loadPoints(1).points;
  // kf1a: its NaN row dropped, time lag 0, its close point kept. sw0: (0.999, 0.5) and (-0.99, -0.99)
  // dropped, |x| == 1 and |y| == 1 kept; the rest moved by (0, 1, 0) with time lag 0.05.
  const std::vector<std::array<float, 5>> expected = {{0.5f, 0.5f, 0, 10, 0},
                                                      {3, 4, 5, 20, 0},
                                                      {1.0f, 1.5f, 0, 2, 0.05f},
                                                      {0.5f, 0.0f, 0, 3, 0.05f},
                                                      {5, 1, 0, 5, 0.05f}};
  ASSERT_EQ(p.size(0), static_cast<int64_t>(expected.size()));
  ASSERT_EQ(p.size(1), 5);
  for (size_t r = 0; r < expected.size(); ++r) {
    for (int c = 0; c < 5; ++c) EXPECT_NEAR(p[r][c].item<float>(), expected[r][c], 1e-6) << r << "," << c;
  }
  EXPECT_EQ(ds.loadPoints(0).points.size(0), 2);  // s2a: no sweep appended
}

TEST_F(NuScenesDataset, GtBoxesCarryClassAttributeAndVelocity) {
  const DetectionDataset ds = open();
  const std::vector<GtBox>& boxes = ds.sample(1).boxes;
  ASSERT_EQ(boxes.size(), 3u);
  EXPECT_EQ(boxes[0].token, "ann_car_a");
  EXPECT_EQ(boxes[0].instanceToken, "inst_car");
  EXPECT_EQ(boxes[0].category, "vehicle.car");
  EXPECT_EQ(boxes[0].className, "car");
  EXPECT_EQ(boxes[0].attribute, "vehicle.moving");
  EXPECT_NEAR(boxes[0].velocity.x(), 2.0, 1e-9);  // next annotation 1 m further 0.5 s later
  EXPECT_NEAR(boxes[0].velocity.y(), 0.0, 1e-9);
  EXPECT_EQ(boxes[1].className, "pedestrian");
  EXPECT_TRUE(std::isnan(boxes[1].velocity.x()));
  EXPECT_EQ(boxes[2].category, "vehicle.emergency.police");
  EXPECT_EQ(boxes[2].className, "");  // not a devkit detection class
  EXPECT_EQ(boxes[2].attribute, "");
}

TEST_F(NuScenesDataset, LidarBoxesInTheKeyframeLidarFrame) {
  const DetectionDataset ds = open();
  const std::vector<LidarBox> boxes = ds.lidarBoxes(1);
  ASSERT_EQ(boxes.size(), 2u);  // the police car has no class
  // car: global (11, 5, 2) yaw 90 deg; lidar origin global (11, 0, 2) with x = global +y.
  EXPECT_LT((boxes[0].center - Eigen::Vector3d(5, 0, 0)).norm(), 1e-12);
  EXPECT_NEAR(boxes[0].yaw, 0, 1e-12);
  EXPECT_EQ(boxes[0].length, 4);
  EXPECT_EQ(boxes[0].width, 2);
  EXPECT_EQ(boxes[0].height, 1.5);
  EXPECT_LT((boxes[0].velocity - Eigen::Vector2d(0, -2)).norm(), 1e-9);
  EXPECT_EQ(boxes[0].label, 0);
  EXPECT_EQ(boxes[0].numPts, 12);
  // pedestrian: global (13, 0, 1) yaw 0.
  EXPECT_LT((boxes[1].center - Eigen::Vector3d(0, -2, -1)).norm(), 1e-12);
  EXPECT_NEAR(boxes[1].yaw, -kPi / 2, 1e-12);
  EXPECT_EQ(boxes[1].label, 8);
  EXPECT_EQ(boxes[1].numPts, 3);
  EXPECT_TRUE(std::isnan(boxes[1].velocity.x()));

  ASSERT_EQ(ds.lidarBoxes(0).size(), 1u);
  EXPECT_EQ(ds.lidarBoxes(0)[0].label, 4);  // trailer
}

TEST_F(NuScenesDataset, AwmlClassesMapNuScenesCategories) {
  const DetectionDataset ds = open(1, testing::awmlClasses());
  EXPECT_EQ(ds.classNames(), testing::awmlClasses());
  ASSERT_EQ(ds.lidarBoxes(0).size(), 1u);
  EXPECT_EQ(ds.lidarBoxes(0)[0].label, 1);  // trailer -> truck
  const std::vector<LidarBox> boxes = ds.lidarBoxes(1);
  ASSERT_EQ(boxes.size(), 3u);  // the police car is a car here
  EXPECT_EQ(boxes[1].label, 4);
  EXPECT_EQ(boxes[2].label, 0);
}

TEST_F(NuScenesDataset, SampleWithoutLidarKeyframeIsSkipped) {
  testing::TableSet t = testing::nuScenesTables();
  t.at("sample_data", "kf2a")["is_key_frame"] = false;
  testing::writeNuScenes(root_, t);
  DatasetOptions options;
  options.dataRoot = root_.string();
  options.classNames = testing::nuScenesClasses();
  EXPECT_EQ(tokens(DetectionDataset::open(options)), (std::vector<std::string>{"s1a", "s1b"}));
}

class T4Dataset : public testing::DatasetTest {
 protected:
  void SetUp() override {
    DatasetTest::SetUp();
    testing::writeT4Dataset(root_, "ds-b", "1", testing::t4Tables("name-b"));
    testing::writeT4Dataset(root_, "ds-a", "0", testing::t4Tables("name-a"));
    // An older annotation of ds-b that must not be read (the highest version folder wins).
    fs::create_directories(root_ / "ds-b/0/annotation");
    std::ofstream(root_ / "ds-b/0/annotation/sample.json") << "not json";
  }
  DatasetOptions options() const {
    DatasetOptions o;
    o.dataRoot = root_.string();
    o.classNames = testing::awmlClasses();
    return o;
  }
};

TEST_F(T4Dataset, OneSceneNamedByDatasetIdFromTheHighestVersion) {
  const DetectionDataset ds = DetectionDataset::open(options());
  EXPECT_EQ(ds.layout(), DatasetLayout::T4);
  EXPECT_EQ(ds.sceneNames(), (std::vector<std::string>{"ds-a", "ds-b"}));
  ASSERT_EQ(ds.size(), 4u);
  EXPECT_EQ(ds.sample(0).sceneName, "ds-a");
  EXPECT_EQ(ds.sample(2).sceneName, "ds-b");
  EXPECT_EQ(ds.sample(2).lidarPath, (root_ / "ds-b/1/data/LIDAR_CONCAT/0.pcd.bin").string());
  EXPECT_EQ(ds.sample(3).lidarToken, "k1");
}

TEST_F(T4Dataset, PointsAndSweepOfLidarConcat) {
  const DetectionDataset ds = DetectionDataset::open(options());
  const at::Tensor p = ds.loadPoints(1).points;
  // k1 (ego at x = 2): its two rows; then k0 (ego at x = 0, 0.1 s earlier): (3, 0, 0) moves to (1, 0, 0).
  ASSERT_EQ(p.size(0), 3);
  const std::vector<std::array<float, 5>> expected = {
      {4, 0, 0, 2, 0}, {0.5f, 0.5f, 0, 3, 0}, {1, 0, 0, 1, 0.1f}};
  for (size_t r = 0; r < expected.size(); ++r) {
    for (int c = 0; c < 5; ++c) EXPECT_NEAR(p[r][c].item<float>(), expected[r][c], 1e-6) << r << "," << c;
  }
}

TEST_F(T4Dataset, BoxesUseT4NamesAndStoredVelocities) {
  const DetectionDataset ds = DetectionDataset::open(options());
  const std::vector<LidarBox> boxes = ds.lidarBoxes(0);
  ASSERT_EQ(boxes.size(), 4u);  // car, trailer -> truck, pedestrian, police_car -> car
  EXPECT_EQ(boxes[0].label, 0);
  EXPECT_EQ(boxes[1].label, 1);
  EXPECT_EQ(boxes[2].label, 4);
  EXPECT_EQ(boxes[3].label, 0);
  EXPECT_LT((boxes[0].velocity - Eigen::Vector2d(1, 2)).norm(), 1e-12);  // stored
  EXPECT_LT((boxes[1].velocity - Eigen::Vector2d(5, 10)).norm(), 1e-9);  // null -> from the track
  EXPECT_TRUE(std::isnan(boxes[2].velocity.x()));                        // absent, no neighbour
  EXPECT_LT((boxes[0].center - Eigen::Vector3d(10, 0, 0)).norm(), 1e-12);
  EXPECT_EQ(boxes[0].numPts, 5);
}

TEST_F(T4Dataset, ExplicitVersionIsUsed) {
  DatasetOptions o = options();
  o.version = "0";
  o.split = "b-only";
  o.splitsFile = (root_ / "b.yaml").string();
  std::ofstream(o.splitsFile) << "b-only: [ds-b]\n";
  const std::string message = testing::errorOf([&] { DetectionDataset::open(o); });
  EXPECT_NE(message.find((root_ / "ds-b/0/annotation").string()), std::string::npos) << message;
}

}  // namespace
}  // namespace cpq
