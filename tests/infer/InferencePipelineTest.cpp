// The inference pipeline as one piece (its stages have their own suites): the stage tensors it traces,
// that the network alone (forwardNetwork, what calibration runs) computes exactly what a full run computes,
// batching, determinism, and the imperfect inputs a car sees (no points, NaN / Inf rows).
#include <gtest/gtest.h>

#include <limits>

#include "infer/InferencePipeline.h"
#include "model/CenterPoint.h"
#include "support/TinyConfig.h"
#include "synth/DemoCloud.h"

namespace cpq {
namespace {

// The tiny config with every box decoded (score threshold 0), so a random-init model detects something.
CenterPointConfig decodingEverything() {
  std::string yaml = testing::tinyConfigYaml();
  const std::string from = "score_threshold: 0.1";
  yaml.replace(yaml.find(from), from.size(), "score_threshold: 0.0");
  return parseConfig(yaml, "tiny.yaml");
}

at::Tensor cloud(uint64_t seed) {
  DemoCloudOptions o;
  o.maxRange = 9.0f;  // inside the tiny grid
  o.numObjects = 4;
  return makeDemoCloud(o, seed);
}

bool sameDetections(const std::vector<Detection>& a, const std::vector<Detection>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].x != b[i].x || a[i].y != b[i].y || a[i].score != b[i].score || a[i].label != b[i].label ||
        a[i].yaw != b[i].yaw || a[i].l != b[i].l)
      return false;
  return true;
}

TEST(InferencePipeline, TracesEveryStageWithTheConfigShapes) {
  const CenterPointConfig cfg = decodingEverything();
  InferencePipeline p(cfg, makeRandomCenterPoint(cfg, 1), at::kCPU);
  InferenceTrace trace;
  const std::vector<Detection> dets = p.run(cloud(3), &trace);
  const int64_t pillars = trace.inputFeatures.size(0);
  EXPECT_GT(pillars, 0);
  EXPECT_EQ(trace.inputFeatures.sizes(), (std::vector<int64_t>{pillars, 32, 11}));  // 5 raw dims + 3 + 3
  EXPECT_EQ(trace.voxelCoords.sizes(), (std::vector<int64_t>{pillars, 4}));
  EXPECT_EQ(trace.pillarFeatures.sizes(), (std::vector<int64_t>{pillars, 1, 32}));
  EXPECT_EQ(trace.spatialFeatures.sizes(), (std::vector<int64_t>{1, 32, cfg.gridSize[1], cfg.gridSize[0]}));
  ASSERT_EQ(trace.head.size(), 2u);  // two tasks
  EXPECT_EQ(trace.head[0].heatmap.sizes(), (std::vector<int64_t>{1, 3, cfg.headHeight(), cfg.headWidth()}));
  EXPECT_EQ(trace.head[1].heatmap.size(1), 2);
  EXPECT_FALSE(dets.empty());
  EXPECT_LE(dets.size(), 40u);  // post_max_size 20 per task
  for (const auto& d : dets) {
    EXPECT_GE(d.label, 0);
    EXPECT_LT(d.label, cfg.numClasses());
  }
}

TEST(InferencePipeline, NetworkAloneEqualsTheFullRunAndBatchesPerCloud) {
  const CenterPointConfig cfg = decodingEverything();
  InferencePipeline p(cfg, makeRandomCenterPoint(cfg, 2), at::kCPU);
  const at::Tensor a = cloud(4), b = cloud(5);
  InferenceTrace ta, tb;
  p.run(a, &ta);
  p.run(b, &tb);
  const HeadOutputs alone = p.forwardNetwork({a});
  EXPECT_TRUE(at::equal(alone[0].heatmap, ta.head[0].heatmap));
  EXPECT_TRUE(at::equal(alone[1].vel, ta.head[1].vel));
  const HeadOutputs both = p.forwardNetwork({a, b});
  ASSERT_EQ(both[0].heatmap.size(0), 2);
  EXPECT_TRUE(at::allclose(both[0].heatmap[0], ta.head[0].heatmap[0], 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(both[0].heatmap[1], tb.head[0].heatmap[0], 1e-5, 1e-5));
}

TEST(InferencePipeline, SameCloudSameDetections) {
  const CenterPointConfig cfg = decodingEverything();
  InferencePipeline p(cfg, makeRandomCenterPoint(cfg, 3), at::kCPU);
  InferencePipeline q(cfg, makeRandomCenterPoint(cfg, 3), at::kCPU);
  EXPECT_TRUE(sameDetections(p.run(cloud(6)), q.run(cloud(6))));
  EXPECT_FALSE(sameDetections(p.run(cloud(6)), p.run(cloud(7))));
}

TEST(InferencePipeline, EmptyCloudGivesNoDetectionsAndNonFiniteRowsNeverReachAPillar) {
  const CenterPointConfig cfg = decodingEverything();
  InferencePipeline p(cfg, makeRandomCenterPoint(cfg, 4), at::kCPU);
  InferenceTrace trace;
  EXPECT_TRUE(p.run(at::zeros({0, 5}), &trace).empty());
  EXPECT_EQ(trace.inputFeatures.size(0), 0);

  const at::Tensor clean = cloud(8);
  at::Tensor dirty = at::cat({clean, clean.slice(0, 0, 3).clone()});
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const int64_t n = clean.size(0);
  dirty[n][0] = nan;
  dirty[n + 1][1] = inf;
  dirty[n + 2][2] = -inf;
  InferenceTrace tc, td;
  const auto dc = p.run(clean, &tc), dd = p.run(dirty, &td);
  EXPECT_EQ(td.inputFeatures.size(0), tc.inputFeatures.size(0));
  EXPECT_TRUE(at::equal(td.spatialFeatures, tc.spatialFeatures));
  EXPECT_TRUE(sameDetections(dc, dd));
}

}  // namespace
}  // namespace cpq
