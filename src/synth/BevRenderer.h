#pragma once
// A bird's-eye view of one keyframe for eyeballing the data and the detector: points shaded by height, GT
// boxes in green and predictions in orange, each box with a line from its centre to its front. x (forward)
// points up in the image, y (left) points left. Written as PNG when the build has libpng.
#include <cstdint>
#include <string>
#include <vector>

#include "core/RgbImage.h"

namespace cpq {

struct BevBox {
  double x = 0, y = 0, length = 1, width = 1, yaw = 0;  // lidar frame
};

struct BevView {
  int pixels = 1024;    // square image
  double range = 60.0;  // metres from the centre to an edge
};

// points: rows of `stride` floats with x, y, z first (lidar frame).
RgbImage renderBev(const float* points, int64_t count, int stride, const std::vector<BevBox>& gt,
                   const std::vector<BevBox>& predictions, const BevView& view);

}  // namespace cpq
