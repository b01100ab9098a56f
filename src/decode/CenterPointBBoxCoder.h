#pragma once
// mmdet3d's CenterPointBBoxCoder.decode (AWML evaluation) for one task of one batch element: sigmoid heatmap,
// top-K over classes x cells (no max-pool), centre from the cell plus its sub-cell offset, z = height,
// sizes = exp(dim), yaw = atan2(sin, cos); keep score > scoreThreshold and centres inside postCenterRange.
#include "decode/DecoderOptions.h"
#include "decode/Detection.h"
#include "model/TaskOutputs.h"

#include <cstdint>
#include <vector>

namespace cpq {

// `labels` gives the global label of each heatmap channel. Returns the candidates in top-K order: score
// descending, equal scores by lower flat index (class * H * W + y * W + x) first. torch.topk leaves ties
// unspecified; this is the deterministic choice.
std::vector<Detection> decodeCenterPointTask(const TaskOutputs& task, const std::vector<int>& labels,
                                             const DecoderOptions& options, int64_t batchIndex);

}  // namespace cpq
