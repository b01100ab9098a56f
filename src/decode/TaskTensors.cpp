#include "decode/TaskTensors.h"

#include "core/Error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace cpq {
namespace {

void checkMap(const at::Tensor& map, const char* name, int64_t channels, const at::Tensor& heatmap) {
  if (!map.defined()) throw Error(std::string("decode: head output '") + name + "' is missing");
  const bool ok = map.dim() == 4 && map.size(0) == heatmap.size(0) && map.size(1) == channels &&
                  map.size(2) == heatmap.size(2) && map.size(3) == heatmap.size(3);
  if (!ok) {
    throw Error(std::string("decode: head output '") + name + "' has shape " + c10::str(map.sizes()) +
                ", expected [" + std::to_string(heatmap.size(0)) + ", " + std::to_string(channels) + ", " +
                std::to_string(heatmap.size(2)) + ", " + std::to_string(heatmap.size(3)) + "]");
  }
}

}  // namespace

bool isEmptyTask(const TaskOutputs& task) { return task.heatmap.defined() && task.heatmap.numel() == 0; }

void checkTaskShapes(const TaskOutputs& task, std::size_t numClasses, int64_t batchIndex) {
  if (!task.heatmap.defined()) throw Error("decode: head output 'heatmap' is missing");
  if (task.heatmap.dim() != 4) {
    throw Error("decode: head output 'heatmap' has shape " + c10::str(task.heatmap.sizes()) +
                ", expected [B, C, H, W]");
  }
  checkMap(task.heatmap, "heatmap", static_cast<int64_t>(numClasses), task.heatmap);
  checkMap(task.reg, "reg", 2, task.heatmap);
  checkMap(task.height, "height", 1, task.heatmap);
  checkMap(task.dim, "dim", 3, task.heatmap);
  checkMap(task.rot, "rot", 2, task.heatmap);
  if (task.vel.defined()) checkMap(task.vel, "vel", 2, task.heatmap);
  if (batchIndex < 0 || batchIndex >= task.heatmap.size(0)) {
    throw Error("decode: batch index " + std::to_string(batchIndex) + " is outside a batch of " +
                std::to_string(task.heatmap.size(0)));
  }
}

at::Tensor heatmapLogits(const TaskOutputs& task, int64_t batchIndex) {
  return task.heatmap[batchIndex].flatten(1).to(at::kCPU, at::kFloat).contiguous();
}

at::Tensor gatherBoxRegressions(const TaskOutputs& task, int64_t batchIndex,
                                const std::vector<int64_t>& cells) {
  const int64_t b = batchIndex;
  at::Tensor vel = task.vel.defined() ? task.vel[b] : at::zeros_like(task.reg[b]);
  at::Tensor maps = at::cat({task.reg[b], task.height[b], task.dim[b], task.rot[b], vel}, 0).flatten(1);
  at::Tensor index = at::empty({static_cast<int64_t>(cells.size())}, at::kLong);
  std::copy(cells.begin(), cells.end(), index.data_ptr<int64_t>());
  index = index.to(maps.device());
  return maps.index_select(1, index).t().to(at::kCPU, at::kFloat).contiguous();
}

Detection detectionFromRow(const float* row, float x, float y, float score, int label) {
  Detection d{};
  d.x = x;
  d.y = y;
  d.z = row[kHeight];
  d.l = std::exp(row[kLogL]);
  d.w = std::exp(row[kLogW]);
  d.h = std::exp(row[kLogH]);
  d.yaw = std::atan2(row[kSinYaw], row[kCosYaw]);
  d.vx = row[kVelX];
  d.vy = row[kVelY];
  d.score = score;
  d.label = label;
  return d;
}

}  // namespace cpq
