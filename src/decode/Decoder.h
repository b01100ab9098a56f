#pragma once
// Head outputs -> detections, either as AWML evaluates (mmdet3d decoding) or as Autoware's node deploys.
#include "decode/DecoderOptions.h"
#include "decode/Detection.h"
#include "model/TaskOutputs.h"

#include <cstdint>
#include <vector>

namespace cpq {

// Decodes one batch element. Tensors may live on any device and be any floating type; only the heatmap and
// the kept cells' regressions are copied to the CPU. No candidate gives an empty vector.
//   Awml:     per task, bbox coder (top-K, score > threshold, post_center_range) -> circle NMS
//             (dist^2 <= circleNmsDistSq) -> first postMaxSize; tasks concatenated in task order.
//   Autoware: per-cell max-class boxes of all tasks (score > threshold, yaw-norm filter), sorted by score ->
//             circle NMS (dist^2 < autowareCircleDistSq) -> BEV IoU NMS. Autoware itself has one task.
// Throws cpq::Error for a task count, shape or option that does not fit.
std::vector<Detection> decode(const HeadOutputs& head, const DecoderOptions& options, int64_t batchIndex = 0);

}  // namespace cpq
