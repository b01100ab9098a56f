#pragma once
// Autoware's IoU_BEV NMS (autoware_lidar_centerpoint NonMaximumSuppression), run after its circle NMS.
#include "decode/Detection.h"

#include <vector>

namespace cpq {

// `detections` must be best first. Detection i is dropped when its BEV IoU with ANY earlier detection
// exceeds iouThreshold: Autoware compares against every earlier box, including ones that are themselves
// dropped, unlike greedy NMS. A pair is compared only when its centres are within searchDistance (<=),
// or when both labels are in targetLabels (then at any distance).
std::vector<Detection> bevIouNms(const std::vector<Detection>& detections, float iouThreshold,
                                 float searchDistance, const std::vector<int>& targetLabels);

}  // namespace cpq
