// AWML's state_dict names and shapes fall out of the module structure (docs/model.md, 'state_dict names').
#include <gtest/gtest.h>

#include "checkpoint/ModuleStateDict.h"
#include "config/CenterPointConfig.h"
#include "model/CenterPoint.h"

namespace cpq {
namespace {

std::string configPath(const std::string& name) { return std::string(CPQ_SOURCE_DIR) + "/configs/" + name; }

std::vector<int64_t> shapeOf(const StateDict& sd, const std::string& key) {
  const at::Tensor* t = sd.find(key);
  EXPECT_NE(t, nullptr) << key;
  return t ? t->sizes().vec() : std::vector<int64_t>{};
}

using Shape = std::vector<int64_t>;

TEST(StateDictKeys, V26BaseHas180AwmlKeys) {
  CenterPoint model(loadConfig(configPath("awml/centerpoint_121m_base.yaml")));
  const StateDict sd = stateDictOf(*model);
  EXPECT_EQ(sd.size(), 180u);
  // The first keys in Python's order: PFN layer 0 registers norm before linear.
  const std::vector<std::string> firstKeys{"pts_voxel_encoder.pfn_layers.0.norm.weight",
                                           "pts_voxel_encoder.pfn_layers.0.norm.bias",
                                           "pts_voxel_encoder.pfn_layers.0.norm.running_mean",
                                           "pts_voxel_encoder.pfn_layers.0.norm.running_var",
                                           "pts_voxel_encoder.pfn_layers.0.norm.num_batches_tracked",
                                           "pts_voxel_encoder.pfn_layers.0.linear.weight"};
  for (size_t i = 0; i < firstKeys.size(); ++i) EXPECT_EQ(sd.items()[i].first, firstKeys[i]);
  EXPECT_EQ(shapeOf(sd, "pts_voxel_encoder.pfn_layers.0.linear.weight"), (Shape{16, 10}));
  EXPECT_EQ(shapeOf(sd, "pts_voxel_encoder.pfn_layers.1.linear.weight"), (Shape{32, 32}));
  EXPECT_EQ(shapeOf(sd, "pts_backbone.blocks.0.0.weight"), (Shape{64, 32, 3, 3}));
  EXPECT_EQ(shapeOf(sd, "pts_backbone.blocks.0.10.running_var"), (Shape{64}));         // 4th conv's BN
  EXPECT_EQ(shapeOf(sd, "pts_backbone.blocks.1.15.weight"), (Shape{128, 128, 3, 3}));  // 6th conv
  EXPECT_EQ(shapeOf(sd, "pts_backbone.blocks.2.16.num_batches_tracked"), (Shape{}));
  EXPECT_EQ(shapeOf(sd, "pts_neck.deblocks.0.0.weight"), (Shape{128, 64, 2, 2}));   // stride 0.5: Conv2d k2
  EXPECT_EQ(shapeOf(sd, "pts_neck.deblocks.1.0.weight"), (Shape{128, 128, 1, 1}));  // stride 1: Conv2d k1
  EXPECT_EQ(shapeOf(sd, "pts_neck.deblocks.2.0.weight"), (Shape{256, 128, 2, 2}));  // deconv: [in, out, k, k]
  EXPECT_EQ(shapeOf(sd, "pts_neck.deblocks.2.1.weight"), (Shape{128}));
  EXPECT_EQ(shapeOf(sd, "pts_bbox_head.shared_conv.conv.weight"), (Shape{64, 384, 3, 3}));
  EXPECT_EQ(shapeOf(sd, "pts_bbox_head.shared_conv.bn.running_mean"), (Shape{64}));
  const std::vector<std::pair<std::string, int64_t>> branches{{"reg", 2}, {"height", 1}, {"dim", 3},
                                                              {"rot", 2}, {"vel", 2},    {"heatmap", 5}};
  for (const auto& [name, channels] : branches) {
    const std::string p = "pts_bbox_head.task_heads.0." + name;
    EXPECT_EQ(shapeOf(sd, p + ".0.conv.weight"), (Shape{64, 64, 1, 1}));
    EXPECT_EQ(shapeOf(sd, p + ".0.bn.weight"), (Shape{64}));
    EXPECT_EQ(shapeOf(sd, p + ".1.weight"), (Shape{channels, 64, 1, 1}));
    EXPECT_EQ(shapeOf(sd, p + ".1.bias"), (Shape{channels}));
  }
  // Head branches appear in AWML's order: reg, height, dim, rot, vel, heatmap.
  std::vector<std::string> order;
  for (const auto& [key, t] : sd.items()) {
    if (key.rfind("pts_bbox_head.task_heads.0.", 0) == 0 && key.size() > 12 &&
        key.compare(key.size() - 12, 12, ".conv.weight") == 0)
      order.push_back(key.substr(27, key.find('.', 27) - 27));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"reg", "height", "dim", "rot", "vel", "heatmap"}));
}

TEST(StateDictKeys, J6Gen2EncoderTakesElevenFeatures) {
  CenterPoint model(loadConfig(configPath("awml/centerpoint_121m_j6gen2.yaml")));
  const StateDict sd = stateDictOf(*model);
  EXPECT_EQ(sd.size(), 180u);
  EXPECT_EQ(shapeOf(sd, "pts_voxel_encoder.pfn_layers.0.linear.weight"), (Shape{16, 11}));
}

TEST(StateDictKeys, LegacyNeckUsesConvForStrideOneAndDeconvsAbove) {
  CenterPoint model(loadConfig(configPath("awml/centerpoint_legacy_760.yaml")));
  const StateDict sd = stateDictOf(*model);
  EXPECT_EQ(sd.size(), 180u);
  EXPECT_EQ(shapeOf(sd, "pts_voxel_encoder.pfn_layers.0.linear.weight"), (Shape{16, 9}));
  EXPECT_EQ(shapeOf(sd, "pts_neck.deblocks.0.0.weight"), (Shape{128, 64, 1, 1}));
  EXPECT_EQ(shapeOf(sd, "pts_neck.deblocks.1.0.weight"), (Shape{128, 128, 2, 2}));
  EXPECT_EQ(shapeOf(sd, "pts_neck.deblocks.2.0.weight"), (Shape{256, 128, 4, 4}));
}

TEST(StateDictKeys, DemoConfigHasTheSameNamesAsTheBase) {
  CenterPoint demo(loadConfig(configPath("demo.yaml")));
  CenterPoint base(loadConfig(configPath("awml/centerpoint_121m_base.yaml")));
  EXPECT_EQ(stateDictOf(*demo).keys(), stateDictOf(*base).keys());
}

}  // namespace
}  // namespace cpq
