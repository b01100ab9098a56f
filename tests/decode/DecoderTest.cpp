#include "decode/Decoder.h"

#include "DecodeTestSupport.h"
#include "core/Error.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cpq {
namespace {

using test::CellBox;
using test::TaskBuilder;

CellBox sized(float l, float w, float sinYaw = 0.0f, float cosYaw = 1.0f) {
  CellBox b;
  b.logL = std::log(l);
  b.logW = std::log(w);
  b.sinYaw = sinYaw;
  b.cosYaw = cosYaw;
  return b;
}

DecoderOptions autowareOptions(std::vector<std::vector<int>> taskClasses = {{0, 1, 2, 3, 4}}) {
  DecoderOptions o = test::smallGridOptions(std::move(taskClasses));
  o.kind = DecoderKind::Autoware;
  return o;
}

TEST(DecoderAwml, CircleNmsSuppressesAtRadiusOneThenCapsThePerTaskCount) {
  // Cells (4,4) and (4,5) are 1 m apart (dist^2 exactly 1): suppressed. (0,0) is far away.
  const TaskOutputs task =
      TaskBuilder(2, 8, 8).logit(0, 4, 4, 3.0f).logit(1, 4, 5, 2.0f).logit(1, 0, 0, 1.0f).build();
  DecoderOptions o = test::smallGridOptions();
  const auto dets = decode({task}, o);
  ASSERT_EQ(dets.size(), 2u);
  EXPECT_EQ(dets[0].x, 0.0f);
  EXPECT_EQ(dets[1].x, -4.0f);

  o.postMaxSize = 1;
  EXPECT_EQ(decode({task}, o).size(), 1u);
}

TEST(DecoderAwml, TasksMapLabelsAndSuppressOnlyWithinThemselves) {
  // The same cell fires in both tasks: circle NMS is per task, so both stay.
  const TaskOutputs car = TaskBuilder(1, 8, 8).logit(0, 4, 4, 1.0f).build();
  const TaskOutputs others = TaskBuilder(2, 8, 8).logit(1, 4, 4, 2.0f).logit(0, 0, 0, 0.5f).build();
  const auto dets = decode({car, others}, test::smallGridOptions({{0}, {1, 2}}));
  ASSERT_EQ(dets.size(), 3u);
  EXPECT_EQ(dets[0].label, 0);
  EXPECT_EQ(dets[1].label, 2);
  EXPECT_EQ(dets[1].x, dets[0].x);
  EXPECT_EQ(dets[2].label, 1);
}

TEST(DecoderAwml, DecodesTheRequestedBatchElementOfAnyFloatType) {
  const TaskOutputs first = TaskBuilder(2, 8, 8).build();
  const TaskOutputs second = TaskBuilder(2, 8, 8).logit(1, 2, 6, 1.0f).build();
  TaskOutputs batch;
  batch.heatmap = at::cat({first.heatmap, second.heatmap}).to(at::kDouble);
  batch.reg = at::cat({first.reg, second.reg}).to(at::kDouble);
  batch.height = at::cat({first.height, second.height}).to(at::kDouble);
  batch.dim = at::cat({first.dim, second.dim}).to(at::kDouble);
  batch.rot = at::cat({first.rot, second.rot}).to(at::kDouble);
  batch.vel = at::cat({first.vel, second.vel}).to(at::kDouble);
  const DecoderOptions o = test::smallGridOptions();
  EXPECT_TRUE(decode({batch}, o, 0).empty());
  const auto dets = decode({batch}, o, 1);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].x, 2.0f);
  EXPECT_EQ(dets[0].y, -2.0f);
}

TEST(DecoderAwml, MissingVelocityDecodesAsZero) {
  TaskOutputs task = TaskBuilder(2, 8, 8).logit(0, 1, 1, 1.0f).build();
  task.vel = at::Tensor();
  const auto dets = decode({task}, test::smallGridOptions());
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].vx, 0.0f);
  EXPECT_EQ(dets[0].vy, 0.0f);
}

TEST(DecoderAutoware, LabelIsTheBestClassAndTheScoreThresholdIsStrict) {
  TaskBuilder t(5, 8, 8);
  t.logit(0, 1, 1, 2.0f).logit(2, 1, 1, 3.0f);  // label 2, score sigmoid(3)
  t.logit(3, 6, 6, 0.0f);                       // score exactly 0.5: dropped at threshold 0.5
  DecoderOptions o = autowareOptions();
  o.autowareScoreThreshold = 0.5f;
  const auto dets = decode({t.build()}, o);
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].label, 2);
  EXPECT_FLOAT_EQ(dets[0].score, test::sigmoidf(3.0f));
  EXPECT_EQ(dets[0].x, -3.0f);
}

TEST(DecoderAutoware, YawNormFilterIsPerLabelAndZeroDisablesIt) {
  // |(0.2, 0.1)| = 0.22 < 0.3: dropped for a car (label 0), kept for a pedestrian (label 4, threshold 0).
  TaskBuilder t(5, 8, 8);
  t.logit(0, 1, 1, 2.0f).box(1, 1, sized(1, 1, 0.2f, 0.1f));
  t.logit(4, 6, 6, 2.0f).box(6, 6, sized(1, 1, 0.2f, 0.1f));
  const auto dets = decode({t.build()}, autowareOptions());
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_EQ(dets[0].label, 4);
}

TEST(DecoderAutoware, CircleNmsIsStrictThenIouNmsRuns) {
  // Two tiny boxes 0.5 m apart: dist^2 = 0.25 is not < 0.25, and they do not overlap: both stay.
  // Cell (4,4) is at x = 0; cell (4,5) with reg_x -0.5 at x = 0.5.
  const auto pair = [](float size) {
    CellBox right = sized(size, size);
    right.regX = -0.5f;
    return TaskBuilder(5, 8, 8)
        .logit(0, 4, 4, 2.0f)
        .box(4, 4, sized(size, size))
        .logit(0, 4, 5, 1.0f)
        .box(4, 5, right)
        .build();
  };
  EXPECT_EQ(decode({pair(0.1f)}, autowareOptions()).size(), 2u);

  // The same centres with 1 x 1 footprints overlap with IoU 1/3 > 0.1: the IoU NMS drops the weaker.
  const auto dets = decode({pair(1.0f)}, autowareOptions());
  ASSERT_EQ(dets.size(), 1u);
  EXPECT_FLOAT_EQ(dets[0].score, test::sigmoidf(2.0f));
}

TEST(Decoder, EmptyInputsGiveNoDetections) {
  EXPECT_TRUE(decode({}, test::smallGridOptions({})).empty());
  EXPECT_TRUE(decode({TaskBuilder(2, 8, 8).build()}, test::smallGridOptions()).empty());
  EXPECT_TRUE(decode({TaskBuilder(5, 8, 8).build()}, autowareOptions()).empty());
  EXPECT_TRUE(decode({TaskBuilder(5, 0, 0).build()}, autowareOptions()).empty());
}

TEST(Decoder, OptionsThatDoNotFitAreErrors) {
  const TaskOutputs task = TaskBuilder(2, 8, 8).build();
  EXPECT_THROW(decode({task, task}, test::smallGridOptions()), Error);
  DecoderOptions o = test::smallGridOptions();
  o.outSizeFactor = 0;
  EXPECT_THROW(decode({task}, o), Error);
  DecoderOptions shortYaw = autowareOptions({{0, 1}});
  shortYaw.yawNormThresholds = {0.3f};
  EXPECT_THROW(decode({TaskBuilder(2, 8, 8).logit(1, 0, 0, 2.0f).build()}, shortYaw), Error);
}

TEST(Decoder, CudaTensorsDecodeLikeCpuOnes) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  TaskBuilder t(5, 8, 8);
  t.logit(0, 1, 1, 2.0f).box(1, 1, sized(4, 2, 0.6f, 0.8f)).logit(3, 6, 2, 1.5f).box(6, 2, sized(1, 1));
  const TaskOutputs cpu = t.build();
  TaskOutputs cuda{cpu.heatmap.cuda(), cpu.reg.cuda(), cpu.height.cuda(),
                   cpu.dim.cuda(),     cpu.rot.cuda(), cpu.vel.cuda()};
  for (DecoderKind kind : {DecoderKind::Awml, DecoderKind::Autoware}) {
    DecoderOptions o = autowareOptions();
    o.kind = kind;
    const auto a = decode({cpu}, o);
    const auto b = decode({cuda}, o);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].label, b[i].label);
      EXPECT_FLOAT_EQ(a[i].x, b[i].x);
      EXPECT_FLOAT_EQ(a[i].l, b[i].l);
      EXPECT_FLOAT_EQ(a[i].score, b[i].score);
    }
  }
}

}  // namespace
}  // namespace cpq
