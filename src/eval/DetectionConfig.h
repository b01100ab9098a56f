#pragma once
// The devkit's DetectionConfig; defaults() is detection_cvpr_2019, the configuration every published
// nuScenes detection number uses.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cpq {

struct DetectionConfig {
  // Evaluation order of the classes (the devkit iterates class_range's keys in this order).
  std::vector<std::string> classNames;
  std::map<std::string, double> classRange;  // metres, ego BEV distance, strict <
  std::vector<double> distThs;
  double distThTp = 2.0;
  double minRecall = 0.1;
  double minPrecision = 0.1;
  int maxBoxesPerSample = 500;
  double meanApWeight = 5.0;

  static DetectionConfig defaults();
  // A devkit-style config JSON ({"class_range": {...}, "dist_ths": [...], ...}); class order = key order
  // of class_range as written. Throws cpq::Error naming `what` on a malformed config.
  static DetectionConfig fromJson(const nlohmann::ordered_json& j, const std::string& what);

  double rangeOf(const std::string& cls) const;
};

// The five TP metrics, in the devkit's order.
const std::vector<std::string>& tpMetricNames();

}  // namespace cpq
