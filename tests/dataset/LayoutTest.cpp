#include "dataset/DatasetLayout.h"

#include <gtest/gtest.h>

#include "DatasetFixture.h"
#include "dataset/DetectionDataset.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

class LayoutTest : public testing::DatasetTest {};

TEST_F(LayoutTest, DetectsBothLayouts) {
  testing::nuScenesTables().write(root_ / "nus/v1.0-mini");
  EXPECT_EQ(detectDatasetLayout(root_ / "nus"), DatasetLayout::NuScenes);
  testing::writeT4Dataset(root_ / "t4", "id", "0", testing::t4Tables("s"));
  EXPECT_EQ(detectDatasetLayout(root_ / "t4"), DatasetLayout::T4);
  fs::create_directories(root_ / "empty/x");
  const std::string message = testing::errorOf([&] { detectDatasetLayout(root_ / "empty"); });
  EXPECT_NE(message.find((root_ / "empty").string()), std::string::npos) << message;
}

TEST_F(LayoutTest, NuScenesVersionFolderFoundOrNamed) {
  testing::nuScenesTables().write(root_ / "v1.0-mini");
  EXPECT_EQ(nuScenesSource(root_, "").tableDir, root_ / "v1.0-mini");
  EXPECT_EQ(nuScenesSource(root_, "").fileRoot, root_);
  testing::nuScenesTables().write(root_ / "v1.0-trainval");
  const std::string message = testing::errorOf([&] { nuScenesSource(root_, ""); });
  EXPECT_NE(message.find("v1.0-mini, v1.0-trainval"), std::string::npos) << message;
  EXPECT_EQ(nuScenesSource(root_, "v1.0-trainval").tableDir, root_ / "v1.0-trainval");
  EXPECT_NE(testing::errorOf([&] { nuScenesSource(root_, "v1.0-test"); }).find("v1.0-test"),
            std::string::npos);
}

TEST_F(LayoutTest, T4VersionFolderIsTheHighestNumber) {
  for (const char* v : {"2", "10", "9"}) testing::writeT4Dataset(root_, "id", v, testing::t4Tables("s"));
  fs::create_directories(root_ / "id/11");  // no tables: not a version
  const TableSource source = t4Source(root_, "id", "");
  EXPECT_EQ(source.tableDir, root_ / "id/10/annotation");
  EXPECT_EQ(source.fileRoot, root_ / "id/10");
  EXPECT_EQ(source.sceneName, "id");
  EXPECT_EQ(t4Source(root_, "id", "2").fileRoot, root_ / "id/2");
  EXPECT_NE(testing::errorOf([&] { t4Source(root_, "id", "11"); }).find("id/11"), std::string::npos);
  EXPECT_EQ(t4DatasetIds(root_), std::vector<std::string>{"id"});
}

TEST_F(LayoutTest, ForcedLayoutAndChannel) {
  testing::writeNuScenes(root_);
  DatasetOptions o;
  o.dataRoot = root_.string();
  o.classNames = testing::nuScenesClasses();
  o.layout = DatasetLayout::T4;
  EXPECT_NE(testing::errorOf([&] { DetectionDataset::open(o); }).find("no T4 datasets"), std::string::npos);
  o.layout = parseDatasetLayout("NuScenes");
  o.lidarChannel = "RADAR_FRONT";
  const std::string message = testing::errorOf([&] { DetectionDataset::open(o); });
  EXPECT_NE(message.find("sensor.json"), std::string::npos) << message;
  EXPECT_NE(message.find("RADAR_FRONT"), std::string::npos) << message;
  EXPECT_NE(testing::errorOf([] { parseDatasetLayout("kitti"); }).find("kitti"), std::string::npos);
}

}  // namespace
}  // namespace cpq
