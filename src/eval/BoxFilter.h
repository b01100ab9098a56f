#pragma once
// The devkit's filter_eval_boxes, applied to GT and predictions alike: class range around the ego,
// GT without lidar/radar points, and bicycles/motorcycles parked in bike racks.
#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/EvalBox.h"

namespace cpq {

// A static_object.bicycle_rack annotation (global frame).
struct BikeRack {
  std::array<double, 3> translation{0, 0, 0};
  std::array<double, 3> size{1, 1, 1};  // w, l, h
  std::array<double, 4> rotation{1, 0, 0, 0};
};

// Per-sample inputs the filter needs beyond the boxes.
struct FilterContext {
  std::unordered_map<std::string, std::array<double, 3>> egoTranslation;  // LIDAR_TOP keyframe ego pose
  std::unordered_map<std::string, std::vector<BikeRack>> bikeRacks;
};

struct FilterResult {
  EvalBoxes boxes;                      // same sample order as the input, empty samples kept
  std::vector<std::vector<int>> kept;   // per sample (input order): indices of surviving boxes
};

// Range filter uses classRange[box.detectionName] (a box of a class without range is dropped, as the
// devkit's evaluation only ever sees its ten classes). Throws cpq::Error naming a sample without ego pose.
FilterResult filterEvalBoxes(const EvalBoxes& boxes, const std::map<std::string, double>& classRange,
                             const FilterContext& ctx);

// BEV distance of a global-frame box from the ego.
double egoDistance(const EvalBox& box, const std::array<double, 3>& egoTranslation);

// Devkit points_in_box for one point, bounds inclusive.
bool pointInBox(const BikeRack& box, const std::array<double, 3>& point);

}  // namespace cpq
