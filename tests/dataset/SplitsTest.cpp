#include "dataset/Splits.h"

#include <gtest/gtest.h>

#include <iterator>
#include <sstream>

#include "DatasetFixture.h"
#include "dataset/DetectionDataset.h"
#include "dataset/NuScenesOfficialSplits.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

class SplitsTest : public testing::DatasetTest {
 protected:
  DatasetOptions nuScenes(const std::string& split) {
    testing::writeNuScenes(root_);
    DatasetOptions o;
    o.dataRoot = root_.string();
    o.split = split;
    o.classNames = testing::nuScenesClasses();
    return o;
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(root_ / name) << text;
    return (root_ / name).string();
  }
};

std::vector<std::string> tokens(const DetectionDataset& ds) {
  std::vector<std::string> out;
  for (const SampleInfo& s : ds.samples()) out.push_back(s.token);
  return out;
}

TEST(OfficialSplits, DevkitListSizesAndMembers) {
  auto count = [](const char* name) {
    std::istringstream in(nuScenesOfficialSplitScenes(name));
    return std::distance(std::istream_iterator<std::string>(in), std::istream_iterator<std::string>());
  };
  EXPECT_EQ(count("train"), 700);
  EXPECT_EQ(count("val"), 150);
  EXPECT_EQ(count("test"), 150);
  EXPECT_EQ(count("mini_train"), 8);
  EXPECT_EQ(std::string(nuScenesOfficialSplitScenes("mini_val")), "scene-0103 scene-0916");
  EXPECT_EQ(nuScenesOfficialSplitScenes("trainval"), nullptr);
  EXPECT_NE(std::string(nuScenesOfficialSplitScenes("val")).find("scene-0003"), std::string::npos);
  EXPECT_EQ(std::string(nuScenesOfficialSplitScenes("train")).find("scene-0003"), std::string::npos);
}

TEST_F(SplitsTest, OfficialSplitInItsListOrder) {
  const DetectionDataset ds = DetectionDataset::open(nuScenes("mini_val"));
  EXPECT_EQ(ds.sceneNames(), (std::vector<std::string>{"scene-0103", "scene-0916"}));
  EXPECT_EQ(tokens(ds), (std::vector<std::string>{"s1a", "s1b", "s2a"}));
}

TEST_F(SplitsTest, OfficialSplitWithAbsentSceneNamesTheScene) {
  const std::string message = testing::errorOf([&] { DetectionDataset::open(nuScenes("mini_train")); });
  EXPECT_NE(message.find("official"), std::string::npos) << message;
  EXPECT_NE(message.find("scene-0061"), std::string::npos) << message;
}

TEST_F(SplitsTest, AllIsEveryScene) { EXPECT_EQ(DetectionDataset::open(nuScenes("all")).size(), 3u); }

TEST_F(SplitsTest, DatasetSplitsYamlWins) {
  DatasetOptions o = nuScenes("train");
  write("splits.yaml", "train: [scene-0916]\nval: [scene-0103]\n");
  EXPECT_EQ(tokens(DetectionDataset::open(o)), (std::vector<std::string>{"s2a"}));
  o.split = "mini_val";  // an official name, but the dataset's own file has no such split
  const std::string message = testing::errorOf([&] { DetectionDataset::open(o); });
  EXPECT_NE(message.find((root_ / "splits.yaml").string()), std::string::npos) << message;
  EXPECT_NE(message.find("mini_val"), std::string::npos) << message;
}

TEST_F(SplitsTest, ExplicitFileDropsDuplicates) {
  DatasetOptions o = nuScenes("mine");
  o.splitsFile = write("custom.yaml", "mine:\n  - scene-0103\n  - scene-0103\n");
  EXPECT_EQ(tokens(DetectionDataset::open(o)), (std::vector<std::string>{"s1a", "s1b"}));
}

TEST_F(SplitsTest, UnknownSplitNamesTheFileAndTheSplit) {
  DatasetOptions o = nuScenes("foo");
  std::string message = testing::errorOf([&] { DetectionDataset::open(o); });
  EXPECT_NE(message.find("'foo'"), std::string::npos) << message;
  EXPECT_NE(message.find("splits.yaml"), std::string::npos) << message;

  o.splitsFile = write("custom.yaml", "mine: [scene-0103]\n");
  message = testing::errorOf([&] { DetectionDataset::open(o); });
  EXPECT_NE(message.find(o.splitsFile), std::string::npos) << message;
  EXPECT_NE(message.find("'foo'"), std::string::npos) << message;
}

TEST_F(SplitsTest, ExplicitFileWithAbsentSceneNamesFileAndScene) {
  DatasetOptions o = nuScenes("mine");
  o.splitsFile = write("custom.yaml", "mine: [scene-0103, scene-9999]\n");
  const std::string message = testing::errorOf([&] { DetectionDataset::open(o); });
  EXPECT_NE(message.find(o.splitsFile), std::string::npos) << message;
  EXPECT_NE(message.find("scene-9999"), std::string::npos) << message;
}

TEST_F(SplitsTest, ReadsAwmlDatabaseFiles) {
  const std::string file = write("db_x_v1.yaml",
                                 "version: 1\ndataset_version: db-x-v1.0\ntrain:\n  - aaa/2\n  - bbb\n"
                                 "val: []\ntest:\n  - ccc   3\n");
  const SplitLists lists = readSplitsFile(file);
  ASSERT_EQ(lists.size(), 3u);  // version / dataset_version are not splits
  ASSERT_EQ(lists.at("train").size(), 2u);
  EXPECT_EQ(lists.at("train")[0].scene, "aaa");
  EXPECT_EQ(lists.at("train")[0].version, "2");
  EXPECT_EQ(lists.at("train")[1].scene, "bbb");
  EXPECT_EQ(lists.at("train")[1].version, "");
  EXPECT_TRUE(lists.at("val").empty());
  EXPECT_EQ(lists.at("test")[0].scene, "ccc");
  EXPECT_EQ(lists.at("test")[0].version, "3");
  EXPECT_NE(testing::errorOf([&] { readSplitsFile(root_ / "none.yaml"); }).find("none.yaml"),
            std::string::npos);
}

TEST_F(SplitsTest, T4SplitsPickDatasetsAndVersions) {
  testing::writeT4Dataset(root_, "ds-a", "0", testing::t4Tables("a"));
  testing::writeT4Dataset(root_, "ds-b", "3", testing::t4Tables("b"));
  DatasetOptions o;
  o.dataRoot = root_.string();
  o.classNames = testing::awmlClasses();
  o.split = "train";
  o.splitsFile = write("db.yaml", "version: 1\ntrain:\n  - ds-b/3\n  - ds-a\nval: []\n");
  const DetectionDataset ds = DetectionDataset::open(o);
  EXPECT_EQ(ds.sceneNames(), (std::vector<std::string>{"ds-b", "ds-a"}));
  EXPECT_EQ(ds.sample(0).sceneName, "ds-b");
  o.split = "val";
  EXPECT_EQ(DetectionDataset::open(o).size(), 0u);
  o.split = "train";
  o.splitsFile = write("db2.yaml", "train: [ds-a, ds-c]\n");
  const std::string message = testing::errorOf([&] { DetectionDataset::open(o); });
  EXPECT_NE(message.find(o.splitsFile), std::string::npos) << message;
  EXPECT_NE(message.find("ds-c"), std::string::npos) << message;
  // T4 has no official lists.
  o.splitsFile.clear();
  o.split = "mini_val";
  EXPECT_NE(testing::errorOf([&] { DetectionDataset::open(o); }).find("'mini_val'"), std::string::npos);
}

}  // namespace
}  // namespace cpq
