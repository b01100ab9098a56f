#include "dataset/FramePrefetcher.h"

#include <gtest/gtest.h>

#include "DatasetFixture.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

class FramePrefetcherTest : public testing::DatasetTest {
 protected:
  DetectionDataset open() {
    testing::writeNuScenes(root_);
    DatasetOptions o;
    o.dataRoot = root_.string();
    o.classNames = testing::nuScenesClasses();
    return DetectionDataset::open(o);
  }
};

TEST_F(FramePrefetcherTest, DeliversFramesInTheGivenOrder) {
  const DetectionDataset ds = open();
  for (size_t depth : {1u, 2u, 8u}) {
    FramePrefetcher prefetcher(ds, {2, 0, 1, 2}, depth);
    for (size_t expected : {2u, 0u, 1u, 2u}) {
      std::optional<Frame> frame = prefetcher.next();
      ASSERT_TRUE(frame.has_value());
      EXPECT_EQ(frame->index, expected);
      EXPECT_TRUE(frame->points.points.equal(ds.loadPoints(expected).points));
      EXPECT_EQ(frame->boxes.size(), ds.lidarBoxes(expected).size());
    }
    EXPECT_FALSE(prefetcher.next().has_value());
    EXPECT_FALSE(prefetcher.next().has_value());
  }
}

TEST_F(FramePrefetcherTest, RethrowsTheWorkersErrorAfterEarlierFrames) {
  const DetectionDataset ds = open();
  fs::remove(root_ / "samples/LIDAR_TOP/kf1b.pcd.bin");  // sample 2
  FramePrefetcher prefetcher(ds, {0, 2, 1}, 4);
  ASSERT_TRUE(prefetcher.next().has_value());
  EXPECT_THROW(prefetcher.next(), Error);
  EXPECT_FALSE(prefetcher.next().has_value());  // the worker stopped at the failure
}

TEST_F(FramePrefetcherTest, StopsCleanlyWithFramesLeft) {
  const DetectionDataset ds = open();
  std::vector<size_t> order(50, 1);
  {
    FramePrefetcher prefetcher(ds, order, 2);
    ASSERT_TRUE(prefetcher.next().has_value());
  }  // the destructor must not wait for the 49 frames nobody takes
  FramePrefetcher unused(ds, order, 1);
  SUCCEED();
}

}  // namespace
}  // namespace cpq
