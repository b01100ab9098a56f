#pragma once
// The devkit's scoring (algo.calc_ap / calc_tp, DetectionMetrics) and the whole DetectionEval.evaluate
// pipeline on already-filtered boxes.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/Accumulate.h"
#include "eval/DetectionConfig.h"
#include "eval/EvalBox.h"

namespace cpq {

// mean(max(precision[round(100 minRecall)+1 :] - minPrecision, 0)) / (1 - minPrecision), in [0, 1].
double calcAp(const DetectionMetricData& md, double minRecall, double minPrecision);
// Mean error over recall indices (round(100 minRecall)+1 .. maxRecallInd]; 1.0 when that range is empty.
double calcTp(const DetectionMetricData& md, double minRecall, const std::string& metric);

struct DetectionMetrics {
  std::vector<std::string> classNames;                            // evaluation order
  std::vector<double> distThs;
  std::map<std::string, std::map<double, double>> labelAps;       // class -> threshold -> AP
  std::map<std::string, std::map<std::string, double>> labelTpErrors;  // class -> metric -> err (NaN = n/a)
  std::map<std::string, double> meanDistAps;
  double meanAp = 0;
  std::map<std::string, double> tpErrors;  // nanmean over classes
  std::map<std::string, double> tpScores;  // max(0, 1 - err)
  double ndScore = 0;

  // The "nuscenes" object of metrics.json (NaN written as null; thresholds as "0.5", "1.0", ...).
  nlohmann::ordered_json toJson() const;
};

// "car:2.0"-style key of the metric-data map, matching the devkit's serialisation.
std::string metricDataKey(const std::string& cls, double distTh);

// Runs accumulate for every class and threshold and scores it. gt and pred must already be filtered
// (filterEvalBoxes); metricData, when given, receives every curve keyed by metricDataKey.
DetectionMetrics evaluateDetection(const DetectionConfig& cfg, const EvalBoxes& gt, const EvalBoxes& pred,
                                   std::map<std::string, DetectionMetricData>* metricData = nullptr);

// Formats a distance threshold the way Python prints a float ("0.5", "1.0", "121.0").
std::string formatThreshold(double th);

}  // namespace cpq
