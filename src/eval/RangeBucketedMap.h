#pragma once
// The BEV centre-distance mAP per ego-distance range that AWML reports for T4 datasets, in our own
// stated definition: each bucket [lo, hi) keeps only the GT and predictions whose own BEV distance from
// the ego (the lidar origin) falls in it, and is then scored exactly like nuScenes AP (no class-range
// filter; GT without points dropped).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/EvalBox.h"

namespace cpq {

struct RangeBucket {
  std::string name;  // "0-50", "overall"
  double lo = 0;
  double hi = 0;
  // lo <= d < hi
  bool contains(double dist) const { return dist >= lo && dist < hi; }
};

struct RangeBucketConfig {
  std::vector<std::string> classes;  // already mapped names (e.g. AWML's car, truck, bus, bicycle, pedestrian)
  std::vector<RangeBucket> buckets;  // evaluated in this order, "overall" last
  std::vector<double> distThs{0.5, 1.0, 2.0, 4.0};
  double minRecall = 0.1;
  double minPrecision = 0.1;

  // Buckets named "lo-hi" from [lo, hi] pairs plus "overall" = [0, largest hi). Throws cpq::Error on an
  // empty or inverted range.
  static RangeBucketConfig fromRanges(const std::vector<std::string>& classes,
                                      const std::vector<std::pair<double, double>>& ranges);
};

struct RangeBucketedResult {
  std::vector<std::string> classes;
  std::vector<RangeBucket> buckets;
  std::map<std::string, double> mAP;                          // bucket -> mAP in [0, 1]
  std::map<std::string, std::map<std::string, double>> ap;    // class -> bucket -> mean AP over thresholds

  // The "t4" object of metrics.json.
  nlohmann::ordered_json toJson() const;
};

// BEV distance of an ego-frame box from the origin.
double bevRange(const EvalBox& box);

// Boxes are in the ego (lidar) frame, names already mapped to cfg.classes; boxes of other classes are
// ignored. Samples are matched by token; pred samples unknown to gt only produce false positives.
RangeBucketedResult evaluateRangeBucketed(const RangeBucketConfig& cfg, const EvalBoxes& gt, const EvalBoxes& pred);

// The boxes of one bucket (GT with numPts == 0 dropped; predictions carry -1 and are kept).
EvalBoxes selectBucket(const EvalBoxes& boxes, const RangeBucket& bucket, const std::vector<std::string>& classes);

}  // namespace cpq
