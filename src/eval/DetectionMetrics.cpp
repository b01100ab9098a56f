#include "eval/DetectionMetrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "eval/NumpyCompat.h"

namespace cpq {
namespace {

int firstIndex(double minRecall) { return static_cast<int>(std::lround(100 * minRecall)) + 1; }

nlohmann::ordered_json num(double v) {
  if (std::isnan(v)) return nullptr;
  return v;
}

}  // namespace

std::string formatThreshold(double th) {
  // Python's repr of a float: integral values keep ".0", others use the shortest round-tripping digits.
  if (th == std::floor(th) && std::abs(th) < 1e15) return std::to_string(static_cast<long long>(th)) + ".0";
  for (int p = 1; p < 17; ++p) {
    std::ostringstream t;
    t.precision(p);
    t << th;
    if (std::stod(t.str()) == th) return t.str();
  }
  std::ostringstream t;
  t.precision(17);
  t << th;
  return t.str();
}

std::string metricDataKey(const std::string& cls, double distTh) { return cls + ":" + formatThreshold(distTh); }

double calcAp(const DetectionMetricData& md, double minRecall, double minPrecision) {
  const size_t first = static_cast<size_t>(firstIndex(minRecall));
  std::vector<double> prec;
  for (size_t i = first; i < md.precision.size(); ++i) prec.push_back(std::max(md.precision[i] - minPrecision, 0.0));
  return npc::mean(prec) / (1.0 - minPrecision);
}

double calcTp(const DetectionMetricData& md, double minRecall, const std::string& metric) {
  const int first = firstIndex(minRecall);
  const int last = md.maxRecallInd();
  if (last < first) return 1.0;
  const auto& curve = md.errorCurve(metric);
  return npc::mean(curve.data() + first, static_cast<size_t>(last - first + 1));
}

DetectionMetrics evaluateDetection(const DetectionConfig& cfg, const EvalBoxes& gt, const EvalBoxes& pred,
                                   std::map<std::string, DetectionMetricData>* metricData) {
  DetectionMetrics m;
  m.classNames = cfg.classNames;
  m.distThs = cfg.distThs;
  std::vector<double> classMeans;
  for (const auto& cls : cfg.classNames) {
    DetectionMetricData tpData;
    bool haveTpData = false;
    std::vector<double> aps;
    for (double th : cfg.distThs) {
      DetectionMetricData md = accumulate(gt, pred, cls, th);
      const double ap = calcAp(md, cfg.minRecall, cfg.minPrecision);
      m.labelAps[cls][th] = ap;
      aps.push_back(ap);
      if (th == cfg.distThTp) {
        tpData = md;
        haveTpData = true;
      }
      if (metricData) (*metricData)[metricDataKey(cls, th)] = std::move(md);
    }
    if (!haveTpData) tpData = accumulate(gt, pred, cls, cfg.distThTp);
    for (const auto& metric : tpMetricNames()) {
      // The devkit does not score attributes, velocity or orientation where they are undefined.
      const bool undefined =
          (cls == "traffic_cone" && (metric == "attr_err" || metric == "vel_err" || metric == "orient_err")) ||
          (cls == "barrier" && (metric == "attr_err" || metric == "vel_err"));
      m.labelTpErrors[cls][metric] =
          undefined ? std::numeric_limits<double>::quiet_NaN() : calcTp(tpData, cfg.minRecall, metric);
    }
    m.meanDistAps[cls] = npc::mean(aps);
    classMeans.push_back(m.meanDistAps[cls]);
  }
  m.meanAp = npc::mean(classMeans);

  std::vector<double> scores;
  for (const auto& metric : tpMetricNames()) {
    std::vector<double> errs;
    for (const auto& cls : cfg.classNames) errs.push_back(m.labelTpErrors[cls][metric]);
    const double err = npc::nanmean(errs);
    m.tpErrors[metric] = err;
    const double score = std::max(0.0, 1.0 - err);
    m.tpScores[metric] = score;
    scores.push_back(score);
  }
  const double total = cfg.meanApWeight * m.meanAp + npc::sum(scores);
  m.ndScore = total / (cfg.meanApWeight + static_cast<double>(scores.size()));
  return m;
}

nlohmann::ordered_json DetectionMetrics::toJson() const {
  nlohmann::ordered_json j;
  j["mean_ap"] = meanAp;
  j["nd_score"] = ndScore;
  nlohmann::ordered_json aps = nlohmann::ordered_json::object();
  nlohmann::ordered_json dist = nlohmann::ordered_json::object();
  nlohmann::ordered_json labelTp = nlohmann::ordered_json::object();
  for (const auto& cls : classNames) {
    nlohmann::ordered_json c = nlohmann::ordered_json::object();
    for (double th : distThs) c[formatThreshold(th)] = labelAps.at(cls).at(th);
    aps[cls] = c;
    dist[cls] = meanDistAps.at(cls);
    nlohmann::ordered_json t = nlohmann::ordered_json::object();
    for (const auto& metric : tpMetricNames()) t[metric] = num(labelTpErrors.at(cls).at(metric));
    labelTp[cls] = t;
  }
  j["label_aps"] = aps;
  j["mean_dist_aps"] = dist;
  nlohmann::ordered_json errs = nlohmann::ordered_json::object();
  nlohmann::ordered_json sc = nlohmann::ordered_json::object();
  for (const auto& metric : tpMetricNames()) {
    errs[metric] = num(tpErrors.at(metric));
    sc[metric] = num(tpScores.at(metric));
  }
  j["tp_errors"] = errs;
  j["tp_scores"] = sc;
  j["label_tp_errors"] = labelTp;
  return j;
}

}  // namespace cpq
