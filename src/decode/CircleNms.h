#pragma once
// Class-agnostic circle NMS on BEV centres (CenterPoint's replacement for box NMS): greedily keep the best
// remaining detection and suppress every later one whose squared centre distance is within the threshold.
#include "decode/Detection.h"

#include <cstddef>
#include <limits>
#include <vector>

namespace cpq {

// The two references differ at the boundary: mmdet3d's circle_nms suppresses at dist^2 <= min_radius,
// Autoware's CUDA kernel at dist^2 < threshold^2.
enum class CircleBoundary { Inclusive, Strict };

// Sorts by score, descending and stable (equal scores keep their input order), then suppresses; returns
// at most maxKept detections, best first.
std::vector<Detection> circleNms(std::vector<Detection> detections, float distSqThreshold,
                                 CircleBoundary boundary,
                                 std::size_t maxKept = std::numeric_limits<std::size_t>::max());

}  // namespace cpq
