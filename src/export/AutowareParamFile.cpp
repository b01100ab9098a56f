#include "export/AutowareParamFile.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>

namespace cpq {

namespace {

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Shortest round-trip form (0.32, not 0.319999993), always with a decimal point: ROS 2 parameter arrays must
// be of one type, and [-51.2, -3, 8] would mix doubles and integers.
std::string number(float v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

template <typename Range>
std::string floatList(const Range& values) {
  std::vector<std::string> items;
  for (float v : values) items.push_back(number(v));
  return fmt::format("[{}]", fmt::join(items, ", "));
}

}  // namespace

std::string autowareMlPackageParams(const CenterPointConfig& cfg) {
  std::vector<std::string> classes;
  for (const auto& task : cfg.head.tasks) {
    for (const auto& name : task) classes.push_back("\"" + upper(name) + "\"");
  }
  std::string out;
  out += "/**:\n";
  out += "  ros__parameters:\n";
  out += "    model_params:\n";
  out += "      class_names: " + fmt::format("[{}]", fmt::join(classes, ", ")) + "\n";
  out += fmt::format("      point_feature_size: {}\n", cfg.voxelEncoder.inChannels);
  out += fmt::format("      max_voxel_size: {}\n", cfg.voxelLayer.maxVoxelsTest);
  out += "      point_cloud_range: " + floatList(cfg.pointCloudRange) + "\n";
  out += "      voxel_size: " + floatList(cfg.voxelSize) + "\n";
  out += fmt::format("      downsample_factor: {}\n", cfg.head.outSizeFactor);
  out += fmt::format("      encoder_in_feature_size: {}\n", cfg.voxelEncoder.featureCount());
  out += "      has_variance: false\n";
  out += "      has_twist: true\n";
  return out;
}

}  // namespace cpq
