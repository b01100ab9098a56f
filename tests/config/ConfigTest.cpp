#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "config/CenterPointConfig.h"
#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {

std::string configPath(const std::string& name) { return std::string(CPQ_SOURCE_DIR) + "/configs/" + name; }

// The base config text with one line replaced (the line must exist).
std::string baseWith(const std::string& from, const std::string& to) {
  std::string text = readFileToString(configPath("awml/centerpoint_121m_base.yaml"));
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

std::string errorOf(const std::string& yaml) {
  try {
    parseConfig(yaml, "bad.yaml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Config, V26BaseGeometry) {
  const CenterPointConfig c = loadConfig(configPath("awml/centerpoint_121m_base.yaml"));
  EXPECT_EQ(c.gridSize[0], 1020);
  EXPECT_EQ(c.gridSize[1], 1020);
  EXPECT_EQ(c.gridSize[2], 1);
  EXPECT_EQ(c.headHeight(), 510);
  EXPECT_EQ(c.voxelEncoder.featureCount(), 10);
  EXPECT_EQ(c.voxelLayer.maxVoxelsTest, 96000);
  ASSERT_EQ(c.head.tasks.size(), 1u);
  EXPECT_EQ(c.head.tasks[0].size(), 5u);
  EXPECT_EQ(c.head.inChannels, 384);
  EXPECT_FLOAT_EQ(c.head.minRadius, 1.0f);
}

TEST(Config, J6Gen2HasElevenFeatures) {
  const CenterPointConfig c = loadConfig(configPath("awml/centerpoint_121m_j6gen2.yaml"));
  EXPECT_EQ(c.voxelEncoder.featureCount(), 11);
  EXPECT_TRUE(c.voxelEncoder.useIntensity());
}

TEST(Config, LegacyIsBackwardPillarFeatureNet760) {
  const CenterPointConfig c = loadConfig(configPath("awml/centerpoint_legacy_760.yaml"));
  EXPECT_EQ(c.voxelEncoder.type, "BackwardPillarFeatureNet");
  EXPECT_EQ(c.voxelEncoder.featureCount(), 9);
  EXPECT_EQ(c.gridSize[0], 760);
  EXPECT_EQ(c.head.outSizeFactor, 1);
  EXPECT_EQ(c.voxelLayer.maxVoxelsTest, 64000);
  EXPECT_EQ(c.neck.upsampleStrides, (std::vector<double>{1, 2, 4}));
}

TEST(Config, DemoKeepsAwmlDepthAndNames) {
  const CenterPointConfig c = loadConfig(configPath("demo.yaml"));
  EXPECT_EQ(c.backbone.layerNums, (std::vector<int>{3, 5, 5}));
  EXPECT_EQ(c.backbone.layerStrides.size(), 3u);
  EXPECT_EQ(c.neck.upsampleStrides.size(), 3u);
  EXPECT_EQ(c.voxelEncoder.featureCount(), 11);
  EXPECT_EQ(c.numClasses(), 5);
  EXPECT_GE(c.pointCloudRange[3], 51.2f);
  EXPECT_LE(c.pointCloudRange[0], -51.2f);
}

// configs/study_awml_width.yaml: the v2.6 base's widths and depth on the demo's geometry, nothing else
// changed from configs/demo.yaml.
TEST(Config, StudyAwmlWidthHasV26WidthsOnTheDemoGrid) {
  const CenterPointConfig c = loadConfig(configPath("study_awml_width.yaml"));
  const CenterPointConfig v26 = loadConfig(configPath("awml/centerpoint_121m_base.yaml"));
  const CenterPointConfig demo = loadConfig(configPath("demo.yaml"));
  EXPECT_EQ(c.voxelEncoder.featChannels, (std::vector<int>{32, 32}));
  EXPECT_EQ(c.backbone.outChannels, (std::vector<int>{64, 128, 256}));
  EXPECT_EQ(c.backbone.layerNums, (std::vector<int>{3, 5, 5}));
  EXPECT_EQ(c.neck.inChannels, c.backbone.outChannels);
  EXPECT_EQ(c.neck.outChannels, (std::vector<int>{128, 128, 128}));
  EXPECT_EQ(c.head.inChannels, 384);
  EXPECT_EQ(c.head.shareConvChannel, 64);
  EXPECT_EQ(c.head.headConv, 64);
  EXPECT_EQ(c.voxelEncoder.featureCount(), 11);
  // The widths are the v2.6 base's ...
  EXPECT_EQ(c.voxelEncoder.featChannels, v26.voxelEncoder.featChannels);
  EXPECT_EQ(c.backbone.outChannels, v26.backbone.outChannels);
  EXPECT_EQ(c.backbone.layerNums, v26.backbone.layerNums);
  EXPECT_EQ(c.backbone.layerStrides, v26.backbone.layerStrides);
  EXPECT_EQ(c.neck.outChannels, v26.neck.outChannels);
  EXPECT_EQ(c.neck.upsampleStrides, v26.neck.upsampleStrides);
  EXPECT_EQ(c.head.inChannels, v26.head.inChannels);
  EXPECT_EQ(c.head.shareConvChannel, v26.head.shareConvChannel);
  EXPECT_EQ(c.head.headConv, v26.head.headConv);
  // ... the geometry, classes and every other section the demo's.
  EXPECT_EQ(c.gridSize, demo.gridSize);
  EXPECT_EQ(c.gridSize[0], 320);
  EXPECT_EQ(c.headHeight(), 160);
  EXPECT_EQ(c.pointCloudRange, demo.pointCloudRange);
  EXPECT_EQ(c.voxelSize, demo.voxelSize);
  EXPECT_EQ(c.classNames, demo.classNames);
  EXPECT_EQ(c.voxelLayer.maxVoxelsTest, demo.voxelLayer.maxVoxelsTest);
  EXPECT_EQ(c.evaluation.rangeBuckets, demo.evaluation.rangeBuckets);
  EXPECT_EQ(c.optimizer.epochs, demo.optimizer.epochs);
  EXPECT_EQ(c.quantization.sensitiveLayers, demo.quantization.sensitiveLayers);
}

TEST(Config, NonIntegralGridIsNamed) {
  const std::string err = errorOf(
      baseWith("voxel_size: [0.24, 0.24, 8.0]\nclass_names", "voxel_size: [0.25, 0.24, 8.0]\nclass_names"));
  EXPECT_NE(err.find("bad.yaml"), std::string::npos) << err;
  EXPECT_NE(err.find("not an integral number of voxels"), std::string::npos) << err;
}

TEST(Config, UnknownEncoderType) {
  const std::string err = errorOf(baseWith("type: PillarFeatureNet", "type: DynamicPillarFeatureNet"));
  EXPECT_NE(err.find("model.pts_voxel_encoder.type: unknown encoder type 'DynamicPillarFeatureNet'"),
            std::string::npos)
      << err;
}

TEST(Config, OutSizeFactorMustDivideGrid) {
  std::string yaml = readFileToString(configPath("awml/centerpoint_121m_base.yaml"));
  for (size_t pos; (pos = yaml.find("out_size_factor: 2")) != std::string::npos;)
    yaml.replace(pos, 18, "out_size_factor: 7");
  const std::string err = errorOf(yaml);
  EXPECT_NE(err.find("out_size_factor 7 does not divide the grid 1020 x 1020"), std::string::npos) << err;
}

TEST(Config, WrongFeatureCount) {
  const std::string err = errorOf(baseWith("model:\n", "model:\n  encoder_in_feature_size: 11\n"));
  EXPECT_NE(err.find("wrong feature count: 11"), std::string::npos) << err;
  EXPECT_NE(err.find("builds 10"), std::string::npos) << err;
}

TEST(Config, NeckMustMatchBackboneAndListsEveryProblem) {
  std::string yaml = baseWith("    in_channels: [64, 128, 256]", "    in_channels: [64, 128, 128]");
  const std::string err = errorOf(yaml);
  EXPECT_NE(err.find("model.pts_neck.in_channels"), std::string::npos) << err;
}

TEST(Config, InvalidYamlNamesFile) {
  const std::string err = errorOf("point_cloud_range: [1, 2\n");
  EXPECT_NE(err.find("bad.yaml: invalid YAML"), std::string::npos) << err;
}

TEST(Config, MissingFileNamesFile) {
  try {
    loadConfig("/nonexistent/c.yaml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/c.yaml"), std::string::npos);
  }
}

}  // namespace
}  // namespace cpq

namespace cpq {
namespace {

TEST(Config, TrainingAndEvaluationSections) {
  const CenterPointConfig demo = loadConfig(configPath("demo.yaml"));
  EXPECT_EQ(demo.dataset.sweepsNum, 1);
  ASSERT_EQ(demo.evaluation.rangeBuckets.size(), 3u);
  EXPECT_EQ(demo.evaluation.rangeBuckets[1], (std::pair<double, double>{20, 35}));
  EXPECT_FLOAT_EQ(demo.trainTargets.gaussianOverlap, 0.1f);
  EXPECT_EQ(demo.trainTargets.minRadius, 2);
  EXPECT_EQ(demo.trainTargets.maxObjs, 500);
  EXPECT_FLOAT_EQ(demo.trainTargets.codeWeights[8], 0.2f);
  EXPECT_FLOAT_EQ(demo.trainTargets.lossBboxWeight, 0.25f);
  EXPECT_DOUBLE_EQ(demo.optimizer.lr, 3e-4);
  EXPECT_DOUBLE_EQ(demo.augmentation.rotRange[1], 1.571);
  const CenterPointConfig base = loadConfig(configPath("awml/centerpoint_121m_base.yaml"));
  EXPECT_EQ(base.evaluation.rangeBuckets.back(), (std::pair<double, double>{90, 121}));
}

TEST(Config, BadTrainingValuesAreListedTogether) {
  std::string text = readFileToString(configPath("demo.yaml"));
  text += "\n";
  text = std::regex_replace(text, std::regex("epochs: 20"), "epochs: 0");
  text = std::regex_replace(text, std::regex("range_buckets: \\[\\[0, 20\\]"), "range_buckets: [[20, 0]");
  text = std::regex_replace(text, std::regex("gaussian_overlap: 0.1"), "gaussian_overlap: 1.5");
  const std::string msg = errorOf(text);
  EXPECT_NE(msg.find("train.epochs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("evaluation.range_buckets"), std::string::npos) << msg;
  EXPECT_NE(msg.find("gaussian_overlap"), std::string::npos) << msg;
}

}  // namespace
}  // namespace cpq
