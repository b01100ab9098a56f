// The generated datasets read back through the project's reader (DetectionDataset): every keyframe is
// found with its previous sweep, and num_lidar_pts is reproduced from the reader's own points and poses.
#include <gtest/gtest.h>

#include "dataset/BoxTransforms.h"
#include "dataset/DetectionDataset.h"
#include "synth/SynthTestSupport.h"

namespace cpq {
namespace {

void checkRoundTrip(const testing::GeneratedDataset& g, int keyframes) {
  DatasetOptions o;
  o.dataRoot = g.dir().string();
  o.sweepsNum = 1;
  o.classNames = {"car", "truck", "bus", "bicycle", "pedestrian"};
  const DetectionDataset data = DetectionDataset::open(o);
  ASSERT_EQ(static_cast<int>(data.size()), keyframes);
  int boxes = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    const SampleInfo& s = data.sample(i);
    ASSERT_EQ(s.sweeps.size(), 1u) << "every keyframe, the first included, has its previous sweep";
    EXPECT_NEAR(s.sweeps[0].timeLag, 0.05, 1e-9);
    const at::Tensor pts = data.loadPoints(i).points;
    const at::Tensor key = pts.index({pts.select(1, 4) == 0});  // time lag 0: the keyframe's points
    // Keyframe points into the global frame with the reader's poses.
    const RigidPose toGlobal = s.egoToGlobal * s.lidarToEgo;
    const Eigen::Matrix4d m = toGlobal.matrix();
    at::Tensor rot = at::empty({3, 3}, at::kDouble), trans = at::empty({3}, at::kDouble);
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) rot[r][c] = m(r, c);
      trans[r] = m(r, 3);
    }
    // In double, then float32 as the devkit holds points: the generator keeps every point at least 1 cm
    // from every box face, so float rounding of global coordinates cannot move a point across one.
    const at::Tensor global =
        (at::matmul(key.slice(1, 0, 3).to(at::kDouble), rot.t()) + trans).to(at::kFloat);
    for (const GtBox& b : s.boxes) {
      EXPECT_EQ(countPointsInBox(global, b.center, b.size, b.rotation), b.numLidarPts) << b.token;
      ++boxes;
    }
    EXPECT_EQ(data.lidarBoxes(i).size(), s.boxes.size()) << "every synthetic category maps to a class";
  }
  EXPECT_GT(boxes, 100);
}

TEST(SynthReaderRoundTrip, NuScenesLayout) { checkRoundTrip(testing::nuScenesSample(), 8); }
TEST(SynthReaderRoundTrip, T4Layout) { checkRoundTrip(testing::t4Sample(), 8); }

}  // namespace
}  // namespace cpq
