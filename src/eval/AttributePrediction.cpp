#include "eval/AttributePrediction.h"

#include <cmath>

namespace cpq {

std::string defaultAttribute(const std::string& name, double vx, double vy) {
  const bool moving = std::sqrt(vx * vx + vy * vy) > 0.2;  // NaN speed counts as not moving
  const bool vehicle = name == "car" || name == "truck" || name == "bus" || name == "trailer" ||
                       name == "construction_vehicle";
  const bool cycle = name == "bicycle" || name == "motorcycle";
  if (moving) {
    if (vehicle) return "vehicle.moving";
    if (cycle) return "cycle.with_rider";
    if (name == "pedestrian") return "pedestrian.moving";
    return "";
  }
  if (name == "pedestrian") return "pedestrian.standing";
  if (name == "bus") return "vehicle.stopped";
  if (vehicle) return "vehicle.parked";
  if (cycle) return "cycle.without_rider";
  return "";
}

}  // namespace cpq
