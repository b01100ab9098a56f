#pragma once
// One training frame as the data pipeline hands it on: the points and the GT boxes in the lidar frame.
#include <ATen/ATen.h>

#include <vector>

#include "dataset/Sample.h"

namespace cpq {

struct TrainFrame {
  at::Tensor points;            // [N, 5] float32 CPU: x, y, z, intensity, time_lag
  std::vector<LidarBox> boxes;  // geometric centres, label = class index (-1 = not a class)
};

}  // namespace cpq
