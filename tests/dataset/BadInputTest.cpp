// Every kind of bad input gives one cpq::Error whose message names the file and the token.
#include <gtest/gtest.h>

#include "DatasetFixture.h"
#include "dataset/DetectionDataset.h"
#include "dataset/NuScenesTables.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

class BadInput : public testing::DatasetTest {
 protected:
  // Opens the scenario after `edit` changed its tables; returns the error message.
  std::string openEdited(const std::function<void(testing::TableSet&)>& edit) {
    testing::TableSet t = testing::nuScenesTables();
    edit(t);
    testing::writeNuScenes(root_, t);
    return testing::errorOf([this] { DetectionDataset::open(options()); });
  }
  DatasetOptions options() const {
    DatasetOptions o;
    o.dataRoot = root_.string();
    o.classNames = testing::nuScenesClasses();
    return o;
  }
  std::string table(const std::string& name) const {
    return (root_ / "v1.0-mini" / (name + ".json")).string();
  }
};

#define EXPECT_MENTIONS(message, text) EXPECT_NE((message).find(text), std::string::npos) << (message)

TEST_F(BadInput, MissingTable) {
  testing::writeNuScenes(root_);
  fs::remove(table("map"));
  const std::string message = testing::errorOf([this] { DetectionDataset::open(options()); });
  EXPECT_MENTIONS(message, table("map"));
  EXPECT_MENTIONS(message, "missing table");
}

TEST_F(BadInput, DanglingAnnotationSample) {
  const std::string message = openEdited(
      [](testing::TableSet& t) { t.at("sample_annotation", "ann_ped_a")["sample_token"] = "ghost"; });
  EXPECT_MENTIONS(message, table("sample_annotation"));
  EXPECT_MENTIONS(message, "ann_ped_a");
  EXPECT_MENTIONS(message, "sample_token ghost is not in sample.json");
}

TEST_F(BadInput, DanglingInstanceCategory) {
  const std::string message =
      openEdited([](testing::TableSet& t) { t.at("instance", "inst_ped")["category_token"] = "cat_nope"; });
  EXPECT_MENTIONS(message, table("instance"));
  EXPECT_MENTIONS(message, "inst_ped");
  EXPECT_MENTIONS(message, "cat_nope");
}

TEST_F(BadInput, DanglingEgoPoseOfLidarSampleData) {
  const std::string message =
      openEdited([](testing::TableSet& t) { t.at("sample_data", "sw1")["ego_pose_token"] = "ep_nope"; });
  EXPECT_MENTIONS(message, table("sample_data"));
  EXPECT_MENTIONS(message, "sample_data sw1");
  EXPECT_MENTIONS(message, "ep_nope");
}

TEST_F(BadInput, DanglingAnnotationNext) {
  const std::string message =
      openEdited([](testing::TableSet& t) { t.at("sample_annotation", "ann_car_a")["next"] = "ann_gone"; });
  EXPECT_MENTIONS(message, table("sample_annotation"));
  EXPECT_MENTIONS(message, "ann_car_a");
  EXPECT_MENTIONS(message, "ann_gone");
}

TEST_F(BadInput, DuplicateToken) {
  const std::string message = openEdited([](testing::TableSet& t) {
    t.add("sample",
          {{"token", "s2a"}, {"timestamp", 7}, {"scene_token", "scene_b"}, {"prev", ""}, {"next", ""}});
  });
  EXPECT_MENTIONS(message, table("sample"));
  EXPECT_MENTIONS(message, "duplicate token s2a");
}

TEST_F(BadInput, InvalidJsonAndMissingToken) {
  testing::writeNuScenes(root_);
  std::ofstream(table("category")) << "[{\"token\": \"a\", \"name\": ";
  std::string message = testing::errorOf([this] { DetectionDataset::open(options()); });
  EXPECT_MENTIONS(message, table("category"));
  EXPECT_MENTIONS(message, "invalid JSON");

  std::ofstream(table("category")) << "[{\"name\": \"vehicle.car\"}]";
  message = testing::errorOf([this] { DetectionDataset::open(options()); });
  EXPECT_MENTIONS(message, table("category"));
  EXPECT_MENTIONS(message, "record 0: record has no token");
}

TEST_F(BadInput, WrongFieldShape) {
  const std::string message = openEdited([](testing::TableSet& t) {
    t.at("sample_annotation", "ann_car_b")["size"] = {1, 2};
  });
  EXPECT_MENTIONS(message, table("sample_annotation"));
  EXPECT_MENTIONS(message, "ann_car_b");
  EXPECT_MENTIONS(message, "3 numbers");
}

TEST_F(BadInput, SweepChainGoingForwardInTime) {
  const std::string message =
      openEdited([](testing::TableSet& t) { t.at("sample_data", "sw0")["timestamp"] = 1000001; });
  EXPECT_MENTIONS(message, table("sample_data"));
  EXPECT_MENTIONS(message, "sample_data sw0");
  EXPECT_MENTIONS(message, "not earlier");
}

TEST_F(BadInput, SceneSamplesGoingBackInTime) {
  const std::string message = openEdited([](testing::TableSet& t) {
    t.at("sample", "s1b")["timestamp"] = 900000;
    t.at("sample_data", "kf1b")["timestamp"] = 1500000;  // the lidar chain itself stays in order
  });
  EXPECT_MENTIONS(message, table("sample"));
  EXPECT_MENTIONS(message, "sample s1b");
}

TEST_F(BadInput, PointFileMissing) {
  testing::writeNuScenes(root_);
  fs::remove(root_ / "sweeps/LIDAR_TOP/sw0.pcd.bin");
  const DetectionDataset ds = DetectionDataset::open(options());
  const std::string message = testing::errorOf([&] { ds.loadPoints(1); });
  EXPECT_MENTIONS(message, (root_ / "sweeps/LIDAR_TOP/sw0.pcd.bin").string());
  EXPECT_MENTIONS(message, "sample_data sw0");
}

TEST_F(BadInput, PointFileTruncated) {
  testing::writeNuScenes(root_);
  std::ofstream(root_ / "samples/LIDAR_TOP/kf1b.pcd.bin", std::ios::binary) << std::string(21, '\0');
  const DetectionDataset ds = DetectionDataset::open(options());
  const std::string message = testing::errorOf([&] { ds.loadPoints(2); });
  EXPECT_MENTIONS(message, (root_ / "samples/LIDAR_TOP/kf1b.pcd.bin").string());
  EXPECT_MENTIONS(message, "multiple of 20");
  EXPECT_MENTIONS(message, "sample_data kf1b");
}

}  // namespace
}  // namespace cpq
