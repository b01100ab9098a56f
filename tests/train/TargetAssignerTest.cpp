#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "decode/CenterPointBBoxCoder.h"
#include "infer/InferencePipeline.h"
#include "train/TargetAssigner.h"
#include "train/TrainTestSupport.h"

namespace cpq {
namespace {

using testing::makeBox;

// tinyConfig: range from -6.4, voxel 0.4, out_size_factor 2 -> 0.8 m head cells, 16 x 16; task 0 = car,
// truck, bus; task 1 = bicycle, pedestrian.
class TargetAssignerTest : public ::testing::Test {
 protected:
  CenterPointConfig cfg = testing::tinyConfig();
};

TEST_F(TargetAssignerTest, HandCase) {
  // centre cell x: (0.3 + 6.4) / 0.8 = 8.375 -> 8 (+0.375); y: (-1 + 6.4) / 0.8 = 6.75 -> 6 (+0.75).
  const Targets t = assignTargets(cfg, {makeBox(0.3, -1.0, -0.5, 4, 2, 1.5, 0.5, 0, 1.0, -2.0)});
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].heatmap.sizes(), (at::IntArrayRef{3, 16, 16}));
  EXPECT_EQ(t[0].annoBox.sizes(), (at::IntArrayRef{500, 10}));
  EXPECT_EQ(t[0].heatmap[0][6][8].item<float>(), 1.0f);
  EXPECT_EQ(t[0].heatmap.eq(1).sum().item<int64_t>(), 1);
  EXPECT_EQ(t[0].heatmap[1].sum().item<float>(), 0.0f);  // truck channel untouched
  // radius 2 (r3 = 1.5 for 5 x 2.5 cells): two cells away is drawn, three is not
  EXPECT_GT(t[0].heatmap[0][6][10].item<float>(), 0.0f);
  EXPECT_EQ(t[0].heatmap[0][6][11].item<float>(), 0.0f);
  EXPECT_EQ(t[0].ind[0].item<int64_t>(), 6 * 16 + 8);
  EXPECT_EQ(t[0].mask[0].item<uint8_t>(), 1);
  EXPECT_EQ(t[0].mask.sum().item<int64_t>(), 1);
  const float expected[10] = {0.375f,         0.75f,          -0.5f,          std::log(4.0f), std::log(2.0f),
                              std::log(1.5f), std::sin(0.5f), std::cos(0.5f), 1.0f,           -2.0f};
  for (int c = 0; c < 10; ++c) EXPECT_NEAR(t[0].annoBox[0][c].item<float>(), expected[c], 1e-6) << c;
  EXPECT_EQ(t[1].heatmap.sum().item<float>(), 0.0f);
  EXPECT_EQ(t[1].mask.sum().item<int64_t>(), 0);
}

TEST_F(TargetAssignerTest, SlotsFollowClassOrderThenInputOrderAndSkipLeavesGaps) {
  const std::vector<LidarBox> boxes = {
      makeBox(-4.0, -4.0, 0, 7, 2.4, 3, 0, 1),     // truck: task 0, after both cars -> slot 2
      makeBox(10.0, 0.0, 0, 4, 2, 1.5, 0, 0),      // car outside the map -> slot 0 stays empty
      makeBox(2.0, 3.0, 0, 4, 2, 1.5, 0, 0),       // car -> slot 1
      makeBox(-1.0, 1.0, 0, 0.6, 0.6, 1.7, 0, 4),  // pedestrian: task 1 channel 1, slot 0
      makeBox(0.0, 0.0, 0, 1, 1, 1, 0, -1),        // no class: ignored
  };
  const Targets t = assignTargets(cfg, boxes);
  EXPECT_EQ(t[0].mask[0].item<uint8_t>(), 0);
  EXPECT_EQ(t[0].mask[1].item<uint8_t>(), 1);
  EXPECT_EQ(t[0].mask[2].item<uint8_t>(), 1);
  EXPECT_EQ(t[0].mask.sum().item<int64_t>(), 2);
  EXPECT_EQ(t[0].ind[1].item<int64_t>(), 11 * 16 + 10);  // (2, 3): x cell 10.5 -> 10, y 11.75 -> 11
  EXPECT_EQ(t[0].ind[2].item<int64_t>(), 3 * 16 + 3);    // (-4, -4): 3.0 -> 3
  EXPECT_EQ(t[0].heatmap[1][3][3].item<float>(), 1.0f);  // truck channel
  EXPECT_EQ(t[1].mask.sum().item<int64_t>(), 1);
  EXPECT_EQ(t[1].heatmap[1][9][6].item<float>(), 1.0f);  // pedestrian channel; x 6.75 -> 6, y 9.25 -> 9
  EXPECT_EQ(t[1].heatmap[0].sum().item<float>(), 0.0f);
}

TEST_F(TargetAssignerTest, CentreJustBelowTheMapTruncatesIntoCellZero) {
  // x cell = (-6.6 + 6.4) / 0.8 = -0.25: int32 truncation gives 0, as mmdet3d keeps it.
  const Targets t = assignTargets(cfg, {makeBox(-6.6, 0.0, 0, 4, 2, 1.5, 0, 0)});
  EXPECT_EQ(t[0].mask[0].item<uint8_t>(), 1);
  EXPECT_EQ(t[0].ind[0].item<int64_t>(), 8 * 16 + 0);
  EXPECT_NEAR(t[0].annoBox[0][0].item<float>(), -0.25f, 1e-6);
}

TEST_F(TargetAssignerTest, UnknownVelocityBecomesZero) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Targets t = assignTargets(cfg, {makeBox(0, 0, 0, 4, 2, 1.5, 0, 0, nan, nan)});
  EXPECT_EQ(t[0].annoBox[0][8].item<float>(), 0.0f);
  EXPECT_EQ(t[0].annoBox[0][9].item<float>(), 0.0f);
  EXPECT_FALSE(at::isnan(t[0].annoBox).any().item<bool>());
}

TEST_F(TargetAssignerTest, MaxObjsCapsTheSlots) {
  cfg.trainTargets.maxObjs = 2;
  const Targets t = assignTargets(cfg, {makeBox(0, 0, 0, 4, 2, 1.5, 0, 0), makeBox(2, 2, 0, 4, 2, 1.5, 0, 0),
                                        makeBox(-3, 2, 0, 4, 2, 1.5, 0, 0)});
  EXPECT_EQ(t[0].annoBox.size(0), 2);
  EXPECT_EQ(t[0].heatmap.eq(1).sum().item<int64_t>(), 2);  // the third box is not drawn either
}

TEST_F(TargetAssignerTest, StacksFramesAlongTheBatch) {
  const Targets a = assignTargets(cfg, {makeBox(0, 0, 0, 4, 2, 1.5, 0, 0)});
  const Targets b = assignTargets(cfg, {});
  const Targets s = stackTargets({a, b});
  EXPECT_EQ(s[0].heatmap.sizes(), (at::IntArrayRef{2, 3, 16, 16}));
  EXPECT_EQ(s[1].mask.sizes(), (at::IntArrayRef{2, 500}));
  EXPECT_TRUE(s[0].heatmap[0].equal(a[0].heatmap));
  EXPECT_EQ(s[0].mask[1].sum().item<int64_t>(), 0);
}

// Targets written into the head's maps at their cells, with confident logits at the peaks: what a perfect
// network would output.
TaskOutputs perfectOutputs(const TaskTargets& t) {
  const int64_t classes = t.heatmap.size(0), h = t.heatmap.size(1), w = t.heatmap.size(2);
  at::Tensor maps = at::zeros({10, h * w}, at::kFloat);
  for (int64_t k = 0; k < t.mask.size(0); ++k) {
    if (t.mask[k].item<uint8_t>() == 0) continue;
    maps.select(1, t.ind[k].item<int64_t>()).copy_(t.annoBox[k]);
  }
  maps = maps.view({1, 10, h, w});
  TaskOutputs o;
  o.heatmap = at::where(t.heatmap.eq(1), at::scalar_tensor(10.0f), at::scalar_tensor(-10.0f))
                  .view({1, classes, h, w});
  o.reg = maps.slice(1, 0, 2);
  o.height = maps.slice(1, 2, 3);
  o.dim = maps.slice(1, 3, 6);
  o.rot = maps.slice(1, 6, 8);
  o.vel = maps.slice(1, 8, 10);
  return o;
}

TEST_F(TargetAssignerTest, DecodeRoundTripRecoversTheBoxes) {
  const std::vector<LidarBox> boxes = {makeBox(0.31, -1.07, -0.45, 4.2, 1.9, 1.55, 2.8, 0, 3.5, -1.25),
                                       makeBox(-4.4, 3.3, -0.2, 11, 2.9, 3.3, -1.2, 2, 0, 4),
                                       makeBox(3.9, 4.45, -0.9, 0.6, 0.6, 1.75, 0.3, 4, -0.5, 0.5)};
  const Targets t = assignTargets(cfg, boxes);
  const DecoderOptions options = decoderOptionsFor(cfg);
  std::vector<Detection> dets;
  for (std::size_t task = 0; task < t.size(); ++task) {
    const auto d = decodeCenterPointTask(perfectOutputs(t[task]), options.taskClasses[task], options, 0);
    dets.insert(dets.end(), d.begin(), d.end());
  }
  ASSERT_EQ(dets.size(), boxes.size());
  for (const LidarBox& b : boxes) {
    const Detection* match = nullptr;
    for (const auto& d : dets) {
      if (d.label == b.label) match = &d;
    }
    ASSERT_NE(match, nullptr) << b.label;
    EXPECT_NEAR(match->x, b.center.x(), 1e-5);
    EXPECT_NEAR(match->y, b.center.y(), 1e-5);
    EXPECT_NEAR(match->z, b.center.z(), 1e-6);  // the centre, both ways
    EXPECT_NEAR(match->l, b.length, 1e-5);
    EXPECT_NEAR(match->w, b.width, 1e-5);
    EXPECT_NEAR(match->h, b.height, 1e-5);
    EXPECT_NEAR(match->yaw, b.yaw, 1e-5);
    EXPECT_NEAR(match->vx, b.velocity.x(), 1e-6);
    EXPECT_NEAR(match->vy, b.velocity.y(), 1e-6);
  }
}

}  // namespace
}  // namespace cpq
