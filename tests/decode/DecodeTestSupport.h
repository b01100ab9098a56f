#pragma once
// Tiny hand-made head outputs for the decoder tests: a [1, C, H, W] task whose cells are all background
// (logit -10, unit box: reg 0, height 0, log size 0, rot (0, 1), vel 0) unless a test sets them.
#include "decode/DecoderOptions.h"
#include "decode/Detection.h"
#include "model/TaskOutputs.h"

#include <ATen/ATen.h>

#include <cmath>
#include <cstdint>
#include <vector>

namespace cpq::test {

struct CellBox {
  float regX = 0, regY = 0, height = 0;
  float logL = 0, logW = 0, logH = 0;
  float sinYaw = 0, cosYaw = 1;
  float vx = 0, vy = 0;
};

class TaskBuilder {
 public:
  TaskBuilder(int64_t classes, int64_t h, int64_t w) {
    const auto f = at::TensorOptions().dtype(at::kFloat);
    task_.heatmap = at::full({1, classes, h, w}, -10.0, f);
    task_.reg = at::zeros({1, 2, h, w}, f);
    task_.height = at::zeros({1, 1, h, w}, f);
    task_.dim = at::zeros({1, 3, h, w}, f);
    task_.rot = at::zeros({1, 2, h, w}, f);
    task_.rot.select(1, 1).fill_(1.0);
    task_.vel = at::zeros({1, 2, h, w}, f);
  }

  TaskBuilder& logit(int64_t cls, int64_t y, int64_t x, float value) {
    task_.heatmap[0][cls][y][x].fill_(value);
    return *this;
  }

  TaskBuilder& box(int64_t y, int64_t x, const CellBox& b) {
    set(task_.reg, y, x, {b.regX, b.regY});
    set(task_.height, y, x, {b.height});
    set(task_.dim, y, x, {b.logL, b.logW, b.logH});
    set(task_.rot, y, x, {b.sinYaw, b.cosYaw});
    set(task_.vel, y, x, {b.vx, b.vy});
    return *this;
  }

  TaskOutputs build() const { return task_; }

 private:
  static void set(at::Tensor& map, int64_t y, int64_t x, const std::vector<float>& values) {
    for (std::size_t c = 0; c < values.size(); ++c) map[0][static_cast<int64_t>(c)][y][x].fill_(values[c]);
  }

  TaskOutputs task_;
};

// Geometry where x = xs + reg_x - 4 and y = ys + reg_y - 4 exactly (osf 2, voxel 0.5, min -4).
inline DecoderOptions smallGridOptions(std::vector<std::vector<int>> taskClasses = {{0, 1}}) {
  DecoderOptions o;
  o.outSizeFactor = 2;
  o.voxelSize = {0.5f, 0.5f};
  o.rangeMin = {-4.0f, -4.0f};
  o.taskClasses = std::move(taskClasses);
  return o;
}

inline float sigmoidf(float x) { return 1.0f / (1.0f + std::exp(-x)); }

inline Detection boxAt(float x, float y, float score, float l = 1.0f, float w = 1.0f, float yaw = 0.0f,
                       int label = 0) {
  Detection d{};
  d.x = x;
  d.y = y;
  d.l = l;
  d.w = w;
  d.h = 1.0f;
  d.yaw = yaw;
  d.score = score;
  d.label = label;
  return d;
}

}  // namespace cpq::test
