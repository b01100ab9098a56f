#pragma once
// Autoware lidar_centerpoint's `centerpoint_ml_package.param.yaml`: the model facts its node needs to feed and
// decode the two ONNX files (the ROS 2 parameter layout `/**: ros__parameters: model_params:`).
#include <string>

#include "config/CenterPointConfig.h"

namespace cpq {

inline constexpr const char* kAutowareParamFileName = "centerpoint_ml_package.param.yaml";

// class_names in heatmap channel order (tasks concatenated) and Autoware's upper case; point_feature_size
// (raw point dims), max_voxel_size (max_voxels at test time), point_cloud_range, voxel_size,
// downsample_factor (out_size_factor), encoder_in_feature_size (decorated features), has_variance: false,
// has_twist: true (the head has a vel branch).
std::string autowareMlPackageParams(const CenterPointConfig& cfg);

}  // namespace cpq
