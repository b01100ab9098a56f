#include <gtest/gtest.h>
#include <torch/nn.h>

#include <map>
#include <string>

#include "checkpoint/ModuleStateDict.h"
#include "config/CenterPointConfig.h"
#include "model/CenterPoint.h"
#include "model/PillarFeatureNet.h"
#include "model/PointPillarsScatter.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

// Identity Linear; BN gamma [1, 2], beta [0.5, -1], mean 0, var 1 - eps (so sigma is 1): by hand,
// channel 0 maps x -> x + 0.5 and channel 1 maps x -> 2x - 1, before the ReLU.
PFNLayer handLayer(bool last) {
  const float eps = 1e-3f;
  PFNLayer layer(2, last ? 2 : 4, last, eps, 0.01f);
  torch::NoGradGuard g;
  layer->linear->weight.copy_(at::eye(2));
  layer->norm->weight.copy_(at::tensor({1.0f, 2.0f}));
  layer->norm->bias.copy_(at::tensor({0.5f, -1.0f}));
  layer->norm->running_mean.zero_();
  layer->norm->running_var.fill_(1.0f - eps);
  layer->eval();
  return layer;
}

// Two pillars of 4 slots: pillar 0 holds (1, 2) and (3, -1); pillar 1 holds (-1, -1); the rest is padding.
at::Tensor handPillars() {
  at::Tensor x = at::zeros({2, 4, 2});
  x[0][0] = at::tensor({1.0f, 2.0f});
  x[0][1] = at::tensor({3.0f, -1.0f});
  x[1][0] = at::tensor({-1.0f, -1.0f});
  return x;
}

TEST(PFNLayer, LastLayerMaxIncludesPaddedRows) {
  PFNLayer layer = handLayer(true);
  torch::NoGradGuard g;
  const at::Tensor out = layer->forward(handPillars());
  ASSERT_EQ(out.sizes().vec(), (std::vector<int64_t>{2, 1, 2}));
  // Pillar 0: channel 0 relu(x + 0.5) over rows {1.5, 3.5, 0.5, 0.5} -> 3.5; channel 1 relu(2x - 1) over
  // {3, 0, 0, 0} -> 3.
  EXPECT_NEAR(out[0][0][0].item<float>(), 3.5f, 1e-5);
  EXPECT_NEAR(out[0][0][1].item<float>(), 3.0f, 1e-5);
  // Pillar 1: its only point gives relu(-0.5) = 0 on channel 0, but the padded rows give relu(0.5) = 0.5:
  // the max is taken over the padding too (AWML, its ONNX and Autoware all do this).
  EXPECT_NEAR(out[1][0][0].item<float>(), 0.5f, 1e-5);
  EXPECT_NEAR(out[1][0][1].item<float>(), 0.0f, 1e-6);
}

TEST(PFNLayer, NonLastLayerConcatenatesTheRepeatedMax) {
  PFNLayer layer = handLayer(false);
  torch::NoGradGuard g;
  const at::Tensor out = layer->forward(handPillars());
  ASSERT_EQ(out.sizes().vec(), (std::vector<int64_t>{2, 4, 4}));
  const std::vector<float> row0{1.5f, 3.0f, 3.5f, 3.0f};  // [relu(BN(x)) | pillar max]
  const std::vector<float> row3{0.5f, 0.0f, 3.5f, 3.0f};  // a padded row: relu(beta) | max
  for (int c = 0; c < 4; ++c) {
    EXPECT_NEAR(out[0][0][c].item<float>(), row0[c], 1e-5);
    EXPECT_NEAR(out[0][3][c].item<float>(), row3[c], 1e-5);
  }
}

TEST(PillarFeatureNet, TwoLayersGiveOneVectorPerPillar) {
  VoxelEncoderConfig cfg;
  cfg.inChannels = 5;
  PillarFeatureNet pfn(cfg);
  pfn->eval();
  torch::NoGradGuard g;
  const at::Tensor out = pfn->forward(at::randn({7, 32, 11}));
  EXPECT_EQ(out.sizes().vec(), (std::vector<int64_t>{7, 1, 32}));
  EXPECT_EQ(pfn->pfn_layers->size(), 2u);
}

TEST(PointPillarsScatter, PlacesEachPillarAtItsCell) {
  const at::Tensor feats = at::arange(6, at::kFloat).view({3, 1, 2});  // pillar i has [2i, 2i+1]
  const at::Tensor coords = at::tensor({0, 0, 1, 2, 1, 0, 0, 3, 0, 0, 2, 0}, at::kInt).view({3, 4});
  const at::Tensor canvas = scatterPillars(feats, coords, 2, 3, 4);
  ASSERT_EQ(canvas.sizes().vec(), (std::vector<int64_t>{2, 2, 3, 4}));
  EXPECT_EQ(canvas[0][0][1][2].item<float>(), 0.0f);
  EXPECT_EQ(canvas[0][1][1][2].item<float>(), 1.0f);
  EXPECT_EQ(canvas[1][0][0][3].item<float>(), 2.0f);
  EXPECT_EQ(canvas[1][1][0][3].item<float>(), 3.0f);
  EXPECT_EQ(canvas[0][0][2][0].item<float>(), 4.0f);
  EXPECT_EQ(canvas.abs().sum().item<float>(), 0.0f + 1 + 2 + 3 + 4 + 5);  // nothing else written
}

TEST(PointPillarsScatter, NoPillarsGiveAZeroCanvas) {
  const at::Tensor canvas = scatterPillars(at::zeros({0, 1, 32}), at::zeros({0, 4}, at::kInt), 1, 5, 6);
  EXPECT_EQ(canvas.sizes().vec(), (std::vector<int64_t>{1, 32, 5, 6}));
  EXPECT_EQ(canvas.abs().sum().item<float>(), 0.0f);
}

TEST(CenterPoint, DenseForwardShapesPerTask) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 3);
  model->eval();
  torch::NoGradGuard g;
  const HeadOutputs out = model->forwardDense(at::randn({2, 32, 32, 32}));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].heatmap.sizes().vec(), (std::vector<int64_t>{2, 3, 16, 16}));
  EXPECT_EQ(out[1].heatmap.sizes().vec(), (std::vector<int64_t>{2, 2, 16, 16}));
  EXPECT_EQ(out[0].reg.size(1), 2);
  EXPECT_EQ(out[0].height.size(1), 1);
  EXPECT_EQ(out[0].dim.size(1), 3);
  EXPECT_EQ(out[0].rot.size(1), 2);
  EXPECT_EQ(out[1].vel.sizes().vec(), (std::vector<int64_t>{2, 2, 16, 16}));
}

TEST(CenterPoint, RandomInitIsAFunctionOfTheSeed) {
  const CenterPointConfig cfg = testing::tinyConfig();
  const StateDict a = stateDictOf(*makeRandomCenterPoint(cfg, 11));
  const StateDict b = stateDictOf(*makeRandomCenterPoint(cfg, 11));
  const StateDict c = stateDictOf(*makeRandomCenterPoint(cfg, 12));
  bool anyDifferent = false;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a.items()[i].second.equal(b.items()[i].second)) << a.items()[i].first;
    if (a.items()[i].second.is_floating_point())
      anyDifferent |= !a.items()[i].second.equal(c.items()[i].second);
  }
  EXPECT_TRUE(anyDifferent);
  // The heatmap output bias starts at the focal-loss prior.
  EXPECT_NEAR(a.find("pts_bbox_head.task_heads.1.heatmap.1.bias")->mean().item<float>(), -4.595f, 1e-6);
}

// configs/study_awml_width.yaml (AWML v2.6 widths on the demo grid): constructed only, no forward (that
// would take seconds on the CPU). The parameter counts are worked out by hand from the layer shapes.
TEST(CenterPoint, StudyAwmlWidthParameterCounts) {
  const CenterPointConfig cfg = loadConfig(std::string(CPQ_SOURCE_DIR) + "/configs/study_awml_width.yaml");
  CenterPoint model = makeRandomCenterPoint(cfg, 0);
  std::map<std::string, int64_t> count;  // parameters per top-level module
  for (const auto& p : model->named_parameters())
    count[p.key().substr(0, p.key().find('.'))] += p.value().numel();
  // SECOND, 3x3 convs without bias + BN (gamma, beta): a stage is one strided conv cin -> c, then
  // layer_nums convs c -> c.
  //   stage 0: 32*64*9 + 2*64 + 3 * (64*64*9 + 2*64)        =   18560 +  110976 =  129536
  //   stage 1: 64*128*9 + 2*128 + 5 * (128*128*9 + 2*128)  =   73984 +  738560 =  812544
  //   stage 2: 128*256*9 + 2*256 + 5 * (256*256*9 + 2*256) =  295424 + 2951680 = 3247104
  EXPECT_EQ(count["pts_backbone"], 129536 + 812544 + 3247104);
  // SECONDFPN, each deblock + BN(128): the stride-0.5 conv 2x2 64 -> 128, the 1x1 conv 128 -> 128, the
  // deconv 2x2 256 -> 128: 64*128*4 + 128*128 + 256*128*4 + 3 * 2*128 = 32768 + 16384 + 131072 + 768.
  EXPECT_EQ(count["pts_neck"], 32768 + 16384 + 131072 + 768);
  // By shape: the shared conv 384 -> 64 (3x3) and the heatmap branch's convs (final_kernel 1, as mmdet3d's
  // SeparateHead uses it for every conv of a branch).
  const auto params = model->named_parameters();
  EXPECT_EQ(params["pts_bbox_head.shared_conv.conv.weight"].sizes().vec(),
            (std::vector<int64_t>{64, 384, 3, 3}));
  EXPECT_EQ(params["pts_bbox_head.task_heads.0.heatmap.0.conv.weight"].sizes().vec(),
            (std::vector<int64_t>{64, 64, 1, 1}));
  EXPECT_EQ(params["pts_bbox_head.task_heads.0.heatmap.1.weight"].sizes().vec(),
            (std::vector<int64_t>{5, 64, 1, 1}));
}

}  // namespace
}  // namespace cpq
