#include "eval/DetectionConfig.h"

#include "core/Error.h"

namespace cpq {

DetectionConfig DetectionConfig::defaults() {
  DetectionConfig c;
  c.classNames = {"car",        "truck",      "bus",     "trailer",      "construction_vehicle",
                  "pedestrian", "motorcycle", "bicycle", "traffic_cone", "barrier"};
  c.classRange = {{"car", 50},
                  {"truck", 50},
                  {"bus", 50},
                  {"trailer", 50},
                  {"construction_vehicle", 50},
                  {"pedestrian", 40},
                  {"motorcycle", 40},
                  {"bicycle", 40},
                  {"traffic_cone", 30},
                  {"barrier", 30}};
  c.distThs = {0.5, 1.0, 2.0, 4.0};
  return c;
}

DetectionConfig DetectionConfig::fromJson(const nlohmann::ordered_json& j, const std::string& what) {
  DetectionConfig c = defaults();
  try {
    if (j.contains("class_range")) {
      c.classNames.clear();
      c.classRange.clear();
      for (auto it = j.at("class_range").begin(); it != j.at("class_range").end(); ++it) {
        c.classNames.push_back(it.key());
        c.classRange[it.key()] = it.value().get<double>();
      }
    }
    if (j.contains("dist_fcn") && j.at("dist_fcn").get<std::string>() != "center_distance")
      throw fileError(what, "only dist_fcn \"center_distance\" is supported");
    if (j.contains("dist_ths")) c.distThs = j.at("dist_ths").get<std::vector<double>>();
    if (j.contains("dist_th_tp")) c.distThTp = j.at("dist_th_tp").get<double>();
    if (j.contains("min_recall")) c.minRecall = j.at("min_recall").get<double>();
    if (j.contains("min_precision")) c.minPrecision = j.at("min_precision").get<double>();
    if (j.contains("max_boxes_per_sample")) c.maxBoxesPerSample = j.at("max_boxes_per_sample").get<int>();
    if (j.contains("mean_ap_weight")) c.meanApWeight = j.at("mean_ap_weight").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw fileError(what, std::string("bad detection config: ") + e.what());
  }
  bool tpThresholdListed = false;
  for (double t : c.distThs) tpThresholdListed |= (t == c.distThTp);
  if (!tpThresholdListed) throw fileError(what, "dist_th_tp must be one of dist_ths");
  return c;
}

double DetectionConfig::rangeOf(const std::string& cls) const {
  auto it = classRange.find(cls);
  if (it == classRange.end()) throw Error("detection config has no class range for '" + cls + "'");
  return it->second;
}

const std::vector<std::string>& tpMetricNames() {
  static const std::vector<std::string> k = {"trans_err", "scale_err", "orient_err", "vel_err", "attr_err"};
  return k;
}

}  // namespace cpq
