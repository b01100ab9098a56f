#include "decode/CenterPointBBoxCoder.h"

#include "decode/TaskTensors.h"

#include <algorithm>

namespace cpq {
namespace {

// Flat indices (class * H * W + cell) of the top-K scores above the threshold, best first. Thresholding
// before the top-K keeps the same set as mmdet3d's top-K-then-threshold (the threshold is monotone in
// score) while sorting only the few cells that can survive.
std::vector<int64_t> topKAboveThreshold(const at::Tensor& scores, int topK, float threshold) {
  const float* s = scores.data_ptr<float>();
  std::vector<int64_t> flat;
  for (int64_t i = 0; i < scores.numel(); ++i) {
    if (s[i] > threshold) flat.push_back(i);
  }
  const auto better = [s](int64_t a, int64_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); };
  const auto k = static_cast<std::size_t>(std::max(topK, 0));
  if (flat.size() > k) {
    std::nth_element(flat.begin(), flat.begin() + k, flat.end(), better);
    flat.resize(k);
  }
  std::sort(flat.begin(), flat.end(), better);
  return flat;
}

// (cell + reg) * out_size_factor * voxel + min, rounded to float at each step as PyTorch's float32 ops are.
float cellCentre(int64_t cell, float reg, int outSizeFactor, float voxel, float min) {
  float v = static_cast<float>(cell) + reg;
  v = v * static_cast<float>(outSizeFactor);
  v = v * voxel;
  return v + min;
}

bool insideRange(const Detection& d, const std::array<float, 6>& r) {
  return d.x >= r[0] && d.y >= r[1] && d.z >= r[2] && d.x <= r[3] && d.y <= r[4] && d.z <= r[5];
}

}  // namespace

std::vector<Detection> decodeCenterPointTask(const TaskOutputs& task, const std::vector<int>& labels,
                                             const DecoderOptions& options, int64_t batchIndex) {
  if (isEmptyTask(task)) return {};
  checkTaskShapes(task, labels.size(), batchIndex);
  const int64_t width = task.heatmap.size(3);
  const int64_t cellsPerClass = task.heatmap.size(2) * width;

  const at::Tensor scores = at::sigmoid(heatmapLogits(task, batchIndex));
  const std::vector<int64_t> flat = topKAboveThreshold(scores, options.topK, options.scoreThreshold);
  std::vector<int64_t> cells(flat.size());
  for (std::size_t k = 0; k < flat.size(); ++k) cells[k] = flat[k] % cellsPerClass;
  const at::Tensor rows = gatherBoxRegressions(task, batchIndex, cells);

  const float* s = scores.data_ptr<float>();
  std::vector<Detection> out;
  for (std::size_t k = 0; k < flat.size(); ++k) {
    const float* row = rows.data_ptr<float>() + k * kBoxColumns;
    const float x = cellCentre(cells[k] % width, row[kRegX], options.outSizeFactor, options.voxelSize[0],
                               options.rangeMin[0]);
    const float y = cellCentre(cells[k] / width, row[kRegY], options.outSizeFactor, options.voxelSize[1],
                               options.rangeMin[1]);
    const int label = labels[static_cast<std::size_t>(flat[k] / cellsPerClass)];
    const Detection d = detectionFromRow(row, x, y, s[flat[k]], label);
    if (insideRange(d, options.postCenterRange)) out.push_back(d);
  }
  return out;
}

}  // namespace cpq
