#include "decode/AutowareBoxes.h"

#include "core/Error.h"
#include "decode/TaskTensors.h"

#include <cmath>
#include <string>

namespace cpq {
namespace {

// The kernel's own sigmoid, so that scores at the threshold compare as Autoware's do.
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

struct CellScore {
  float score;
  int64_t channel;
};

CellScore bestClass(const float* logits, int64_t channels, int64_t cellsPerClass, int64_t cell) {
  CellScore best{-1.0f, -1};
  for (int64_t c = 0; c < channels; ++c) {
    const float s = sigmoid(logits[c * cellsPerClass + cell]);
    if (s > best.score) best = {s, c};
  }
  return best;
}

float yawNormThreshold(const std::vector<float>& thresholds, int label) {
  if (thresholds.empty()) return 0.0f;
  if (label < 0 || static_cast<std::size_t>(label) >= thresholds.size()) {
    throw Error("decode: yawNormThresholds has " + std::to_string(thresholds.size()) +
                " entries, none for label " + std::to_string(label));
  }
  return thresholds[static_cast<std::size_t>(label)];
}

// The kernel's voxel * factor * (cell + offset) + min, in its float operation order.
float cellCentre(int64_t cell, float offset, int outSizeFactor, float voxel, float min) {
  const float scale = voxel * static_cast<float>(outSizeFactor);
  return scale * (static_cast<float>(cell) + offset) + min;
}

}  // namespace

std::vector<Detection> decodeAutowareTask(const TaskOutputs& task, const std::vector<int>& labels,
                                          const DecoderOptions& options, int64_t batchIndex) {
  if (isEmptyTask(task)) return {};
  checkTaskShapes(task, labels.size(), batchIndex);
  const int64_t width = task.heatmap.size(3);
  const int64_t cellsPerClass = task.heatmap.size(2) * width;
  const at::Tensor logits = heatmapLogits(task, batchIndex);

  const float* l = logits.data_ptr<float>();
  std::vector<int64_t> cells;
  std::vector<CellScore> best;
  for (int64_t cell = 0; cell < cellsPerClass; ++cell) {
    const CellScore s = bestClass(l, logits.size(0), cellsPerClass, cell);
    if (s.score > options.autowareScoreThreshold) {
      cells.push_back(cell);
      best.push_back(s);
    }
  }
  const at::Tensor rows = gatherBoxRegressions(task, batchIndex, cells);

  std::vector<Detection> out;
  for (std::size_t k = 0; k < cells.size(); ++k) {
    const float* row = rows.data_ptr<float>() + k * kBoxColumns;
    const int label = labels[static_cast<std::size_t>(best[k].channel)];
    const float yawNorm = std::sqrt(row[kSinYaw] * row[kSinYaw] + row[kCosYaw] * row[kCosYaw]);
    if (!(yawNorm >= yawNormThreshold(options.yawNormThresholds, label))) continue;
    const float x = cellCentre(cells[k] % width, row[kRegX], options.outSizeFactor, options.voxelSize[0],
                               options.rangeMin[0]);
    const float y = cellCentre(cells[k] / width, row[kRegY], options.outSizeFactor, options.voxelSize[1],
                               options.rangeMin[1]);
    out.push_back(detectionFromRow(row, x, y, best[k].score, label));
  }
  return out;
}

}  // namespace cpq
