#pragma once
// The attribute written on each prediction, by mmdet3d's rule (the model predicts none): moving or not
// from the BEV speed, mapped per class. The devkit scores attr_err against it.
#include <string>

namespace cpq {

// speed = |(vx, vy)|; "" for barrier, traffic_cone and unknown classes.
std::string defaultAttribute(const std::string& detectionName, double vx, double vy);

}  // namespace cpq
