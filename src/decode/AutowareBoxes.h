#pragma once
// Autoware's generateBoxes3D_kernel plus its score filter (autoware_lidar_centerpoint postprocess), for one
// task of one batch element: every cell is a candidate with score = max sigmoid over the task's classes and
// label = the first class reaching it; kept iff score > autowareScoreThreshold and
// sqrt(sin^2 + cos^2) >= yawNormThresholds[label].
// The head maps are read in AWML's layout (dim = log l, w, h; rot = sin, cos): the channel reorder of
// Autoware's exported ONNX (rot_y_axis_reference) is undone by that export, not here.
#include "decode/DecoderOptions.h"
#include "decode/Detection.h"
#include "model/TaskOutputs.h"

#include <cstdint>
#include <vector>

namespace cpq {

// Returns the kept boxes in cell order (y * W + x); the caller sorts them.
std::vector<Detection> decodeAutowareTask(const TaskOutputs& task, const std::vector<int>& labels,
                                          const DecoderOptions& options, int64_t batchIndex);

}  // namespace cpq
