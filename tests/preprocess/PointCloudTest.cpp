#include "preprocess/PointCloud.h"

#include <gtest/gtest.h>

#include <unistd.h>
#include "support/TempRoot.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "support/ErrorMessage.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class PointCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = cpq::testing::tempRoot() /
           ("cpq-pointcloud-" + std::to_string(::getpid()) + "-" + std::string(info->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Raw little-endian float32 bytes, written without going through writePcdBin.
  std::string writeFloats(const std::string& name, const std::vector<float>& values) const {
    std::string bytes(values.size() * sizeof(float), '\0');
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    writeStringAtomically(path(name), bytes);
    return path(name);
  }

  fs::path dir_;
};

TEST_F(PointCloudTest, ReadsRowsAndReplacesRingByTimeLag) {
  const std::string file = writeFloats("two.pcd.bin", {1.5f, -2.0f, 0.25f, 17.0f, 31.0f,  //
                                                       -100.0f, 50.0f, -1.0f, 255.0f, 3.0f});
  const PointCloud cloud = readPcdBin(file);
  ASSERT_EQ(cloud.points.sizes(), (at::IntArrayRef{2, 5}));
  EXPECT_EQ(cloud.points.scalar_type(), at::kFloat);
  EXPECT_EQ(cloud.droppedNonFinite, 0);
  const at::Tensor expected = at::tensor({1.5f, -2.0f, 0.25f, 17.0f, 0.0f,  //
                                          -100.0f, 50.0f, -1.0f, 255.0f, 0.0f})
                                  .view({2, 5});
  EXPECT_TRUE(at::equal(cloud.points, expected)) << cloud.points;
}

TEST_F(PointCloudTest, TimeLagParameterFillsColumnFour) {
  const std::string file = writeFloats("sweep.pcd.bin", {1, 2, 3, 4, 63, 5, 6, 7, 8, 0});
  const PointCloud cloud = readPcdBin(file, 5, 0.05f);
  EXPECT_EQ(cloud.points[0][4].item<float>(), 0.05f);
  EXPECT_EQ(cloud.points[1][4].item<float>(), 0.05f);
  EXPECT_EQ(cloud.points[1][3].item<float>(), 8.0f);
}

TEST_F(PointCloudTest, OtherColumnCountsKeepXyzIntensity) {
  const std::string four = writeFloats("four.bin", {1, 2, 3, 4, 5, 6, 7, 8});
  const at::Tensor p4 = readPcdBin(four, 4).points;
  EXPECT_TRUE(at::equal(p4, at::tensor({1.f, 2.f, 3.f, 4.f, 0.f, 5.f, 6.f, 7.f, 8.f, 0.f}).view({2, 5})));
  const std::string six = writeFloats("six.bin", {1, 2, 3, 4, 9, 9});
  EXPECT_TRUE(at::equal(readPcdBin(six, 6).points, at::tensor({1.f, 2.f, 3.f, 4.f, 0.f}).view({1, 5})));
  EXPECT_THROW(readPcdBin(six, 3), Error);
}

TEST_F(PointCloudTest, TruncatedFileIsAnErrorNamingTheFile) {
  const std::string file = writeFloats("cut.pcd.bin", {1, 2, 3, 4, 5, 6});  // 24 bytes: 1.2 rows
  const std::string message = testing::errorMessageOf([&] { readPcdBin(file); });
  EXPECT_NE(message.find(file), std::string::npos) << message;
  EXPECT_NE(message.find("truncated or corrupt point file: 24 bytes is not a multiple of 20"),
            std::string::npos)
      << message;
}

TEST_F(PointCloudTest, MissingFileIsAnErrorNamingTheFile) {
  const std::string file = path("absent.pcd.bin");
  const std::string message = testing::errorMessageOf([&] { readPcdBin(file); });
  EXPECT_EQ(message.rfind(file + ": ", 0), 0u) << message;
}

TEST_F(PointCloudTest, EmptyFileGivesNoPoints) {
  const std::string file = writeFloats("empty.pcd.bin", {});
  const PointCloud cloud = readPcdBin(file);
  EXPECT_EQ(cloud.points.sizes(), (at::IntArrayRef{0, 5}));
  EXPECT_EQ(cloud.droppedNonFinite, 0);
}

TEST_F(PointCloudTest, NonFiniteRowsAreDroppedAndCounted) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::string file = writeFloats("nan.pcd.bin", {1,   1,    1, 1,   0,    // kept
                                                       nan, 2,    2, 2,   0,    // NaN x
                                                       3,   3,    3, 3,   nan,  // NaN ring only: kept
                                                       4,   -inf, 4, 4,   0,    // -Inf y
                                                       5,   5,    5, inf, 0,    // Inf intensity
                                                       6,   6,    6, 6,   0});  // kept
  const PointCloud cloud = readPcdBin(file);
  EXPECT_EQ(cloud.droppedNonFinite, 3);
  ASSERT_EQ(cloud.points.size(0), 3);
  EXPECT_TRUE(at::equal(cloud.points.select(1, 0), at::tensor({1.f, 3.f, 6.f})));
  EXPECT_TRUE(at::equal(cloud.points.select(1, 4), at::zeros({3})));
}

TEST_F(PointCloudTest, WriteThenReadRoundTrips) {
  at::Tensor points = at::randn({1000, 5}) * 50;
  points.select(1, 4).zero_();  // a keyframe's time lag
  const std::string file = path("round.pcd.bin");
  writePcdBin(file, points);
  EXPECT_EQ(fs::file_size(file), 1000u * 20u);
  EXPECT_TRUE(at::equal(readPcdBin(file).points, points));
}

TEST(SelectPointFeatures, DropsIntensityOrKeepsIt) {
  const at::Tensor points = at::tensor({1.f, 2.f, 3.f, 40.f, 0.5f, 6.f, 7.f, 8.f, 90.f, 0.f}).view({2, 5});
  const at::Tensor xyzt = selectPointFeatures(points, false);
  EXPECT_TRUE(at::equal(xyzt, at::tensor({1.f, 2.f, 3.f, 0.5f, 6.f, 7.f, 8.f, 0.f}).view({2, 4})));
  EXPECT_TRUE(xyzt.is_contiguous());
  const at::Tensor xyzit = selectPointFeatures(points, true);
  EXPECT_TRUE(at::equal(xyzit, points));
  EXPECT_NE(xyzit.data_ptr(), points.data_ptr());
  EXPECT_THROW(selectPointFeatures(at::zeros({2, 4}), false), std::invalid_argument);
}

}  // namespace
}  // namespace cpq
