#include "decode/CenterPointBBoxCoder.h"

#include "DecodeTestSupport.h"
#include "core/Error.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cpq {
namespace {

using test::CellBox;
using test::TaskBuilder;

TEST(CenterPointBBoxCoder, DecodesAHandComputedBox) {
  CellBox b;
  b.regX = 0.25f;
  b.regY = 0.5f;
  b.height = 1.5f;
  b.logL = std::log(4.0f);
  b.logW = std::log(2.0f);
  b.logH = std::log(1.5f);
  b.sinYaw = 1.0f;
  b.cosYaw = 0.0f;
  b.vx = 1.5f;
  b.vy = -2.0f;
  const TaskOutputs task = TaskBuilder(2, 8, 8).logit(1, 3, 5, 2.0f).box(3, 5, b).build();

  const auto dets = decodeCenterPointTask(task, {3, 7}, test::smallGridOptions(), 0);
  ASSERT_EQ(dets.size(), 1u);
  const Detection& d = dets[0];
  EXPECT_EQ(d.x, 1.25f);  // (5 + 0.25) * 2 * 0.5 - 4
  EXPECT_EQ(d.y, -0.5f);  // (3 + 0.5) * 2 * 0.5 - 4
  EXPECT_EQ(d.z, 1.5f);   // the centre: no -h/2
  EXPECT_FLOAT_EQ(d.l, 4.0f);
  EXPECT_FLOAT_EQ(d.w, 2.0f);
  EXPECT_FLOAT_EQ(d.h, 1.5f);
  EXPECT_FLOAT_EQ(d.yaw, static_cast<float>(M_PI / 2));
  EXPECT_EQ(d.vx, 1.5f);
  EXPECT_EQ(d.vy, -2.0f);
  EXPECT_FLOAT_EQ(d.score, test::sigmoidf(2.0f));
  EXPECT_EQ(d.label, 7);  // channel 1 of a task holding global labels {3, 7}
}

TEST(CenterPointBBoxCoder, YawIsAtan2OfSinAndCos) {
  CellBox b;
  b.sinYaw = -0.6f;
  b.cosYaw = -0.8f;
  const TaskOutputs task = TaskBuilder(2, 8, 8).logit(0, 1, 1, 1.0f).box(1, 1, b).build();
  const auto dets = decodeCenterPointTask(task, {0, 1}, test::smallGridOptions(), 0);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_FLOAT_EQ(dets[0].yaw, std::atan2(-0.6f, -0.8f));
}

TEST(CenterPointBBoxCoder, TopKKeepsTheKBestAcrossClasses) {
  TaskBuilder builder(2, 8, 8);
  // Ten candidates, logit i, alternating classes, each at its own cell.
  for (int i = 0; i < 10; ++i) builder.logit(i % 2, i / 2, i % 8, static_cast<float>(i));
  DecoderOptions o = test::smallGridOptions();
  o.topK = 4;
  const auto dets = decodeCenterPointTask(builder.build(), {0, 1}, o, 0);
  ASSERT_EQ(dets.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_FLOAT_EQ(dets[k].score, test::sigmoidf(static_cast<float>(9 - k))) << k;
    EXPECT_EQ(dets[k].label, (9 - k) % 2) << k;
  }
}

TEST(CenterPointBBoxCoder, TopKTiesGoToTheLowerFlatIndex) {
  // Flat index = class * 64 + y * 8 + x: class 1 cell (0,0) is 64, class 0 cell (1,2) is 10.
  const TaskOutputs task =
      TaskBuilder(2, 8, 8).logit(0, 7, 7, 3.0f).logit(1, 0, 0, 1.0f).logit(0, 1, 2, 1.0f).build();
  DecoderOptions o = test::smallGridOptions();
  o.topK = 2;
  const auto dets = decodeCenterPointTask(task, {0, 1}, o, 0);
  ASSERT_EQ(dets.size(), 2u);
  EXPECT_EQ(dets[0].x, 3.0f);
  EXPECT_EQ(dets[1].label, 0);
  EXPECT_EQ(dets[1].x, -2.0f);  // cell x = 2
  EXPECT_EQ(dets[1].y, -3.0f);  // cell y = 1
}

TEST(CenterPointBBoxCoder, ScoreAtTheThresholdIsDropped) {
  // sigmoid(0) is exactly 0.5.
  const TaskOutputs task = TaskBuilder(2, 8, 8).logit(0, 2, 2, 0.0f).logit(1, 5, 5, 1e-3f).build();
  DecoderOptions o = test::smallGridOptions();
  o.scoreThreshold = 0.5f;
  const auto dets = decodeCenterPointTask(task, {0, 1}, o, 0);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].label, 1);
}

TEST(CenterPointBBoxCoder, PostCenterRangeBoundsAreInclusive) {
  auto withBox = [](TaskBuilder& t, int64_t y, int64_t x, float logit, float regX, float height) {
    CellBox b;
    b.regX = regX;
    b.height = height;
    t.logit(0, y, x, logit).box(y, x, b);
  };
  TaskBuilder t(1, 8, 8);
  withBox(t, 4, 5, 6.0f, 0.25f, 0.0f);  // x = 1.25 on the max: kept
  withBox(t, 4, 6, 5.0f, -0.5f, 0.0f);  // x = 1.5: dropped
  withBox(t, 3, 2, 4.0f, 0.75f, 0.0f);  // x = -1.25 on the min: kept
  withBox(t, 0, 4, 3.0f, 0.0f, 0.0f);   // y = -4: dropped
  withBox(t, 2, 4, 2.0f, 0.0f, 0.0f);   // y = -2 on the min: kept
  withBox(t, 4, 3, 1.0f, 0.0f, 0.5f);   // z = 0.5 on the max: kept
  withBox(t, 4, 2, 0.5f, 0.0f, 0.51f);  // z = 0.51: dropped
  DecoderOptions o = test::smallGridOptions({{0}});
  o.postCenterRange = {-1.25f, -2.0f, -0.5f, 1.25f, 2.0f, 0.5f};
  const auto dets = decodeCenterPointTask(t.build(), {0}, o, 0);
  ASSERT_EQ(dets.size(), 4u);
  EXPECT_EQ(dets[0].x, 1.25f);
  EXPECT_EQ(dets[1].x, -1.25f);
  EXPECT_EQ(dets[2].y, -2.0f);
  EXPECT_EQ(dets[3].z, 0.5f);
}

TEST(CenterPointBBoxCoder, NoCandidateGivesNothing) {
  EXPECT_TRUE(
      decodeCenterPointTask(TaskBuilder(2, 8, 8).build(), {0, 1}, test::smallGridOptions(), 0).empty());
  EXPECT_TRUE(
      decodeCenterPointTask(TaskBuilder(2, 0, 8).build(), {0, 1}, test::smallGridOptions(), 0).empty());
}

TEST(CenterPointBBoxCoder, ShapeMismatchesAreErrors) {
  TaskOutputs task = TaskBuilder(2, 8, 8).build();
  EXPECT_THROW(decodeCenterPointTask(task, {0, 1, 2}, test::smallGridOptions(), 0), Error);
  EXPECT_THROW(decodeCenterPointTask(task, {0, 1}, test::smallGridOptions(), 1), Error);
  task.reg = at::zeros({1, 3, 8, 8});
  EXPECT_THROW(decodeCenterPointTask(task, {0, 1}, test::smallGridOptions(), 0), Error);
}

}  // namespace
}  // namespace cpq
