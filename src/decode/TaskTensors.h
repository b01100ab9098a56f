#pragma once
// What decoding reads of one task and one batch element, moved to the CPU as contiguous float: the heatmap
// logits whole (every cell competes for a detection) and the box regressions of the chosen cells only
// (gathered on the tensors' own device, so a CUDA head copies a few hundred rows, not the whole maps).
#include "decode/Detection.h"
#include "model/TaskOutputs.h"

#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cpq {

// Columns of gatherBoxRegressions' rows: the head's regression channels in their order.
enum BoxColumn : int64_t {
  kRegX,
  kRegY,
  kHeight,
  kLogL,
  kLogW,
  kLogH,
  kSinYaw,
  kCosYaw,
  kVelX,
  kVelY,
  kBoxColumns
};

// A heatmap without elements (no cells or no batch) has nothing to decode; that is not an error.
bool isEmptyTask(const TaskOutputs& task);

// Throws cpq::Error unless every map is [B, C, H, W] with the heatmap's B, H, W, the head's channel counts
// (heatmap: numClasses; vel may be undefined) and 0 <= batchIndex < B.
void checkTaskShapes(const TaskOutputs& task, std::size_t numClasses, int64_t batchIndex);

// [C, H*W] heatmap logits of one batch element (CPU float, contiguous).
at::Tensor heatmapLogits(const TaskOutputs& task, int64_t batchIndex);

// [cells.size(), kBoxColumns] regressions at the given flat cells (y * W + x); zero velocity when the
// task has no vel map.
at::Tensor gatherBoxRegressions(const TaskOutputs& task, int64_t batchIndex,
                                const std::vector<int64_t>& cells);

// The box of one gathered row, its centre already computed (the variants round the centre differently):
// z = height, sizes = exp(log size), yaw = atan2(sin, cos).
Detection detectionFromRow(const float* row, float x, float y, float score, int label);

}  // namespace cpq
