#include "eval/RangeBucketedMap.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/Error.h"
#include "eval/Accumulate.h"
#include "eval/DetectionMetrics.h"
#include "eval/NumpyCompat.h"

namespace cpq {
namespace {

std::string fmt(double v) {
  std::ostringstream os;
  os << v;  // 50 -> "50", 12.5 -> "12.5"
  return os.str();
}

}  // namespace

RangeBucketConfig RangeBucketConfig::fromRanges(const std::vector<std::string>& classes,
                                                const std::vector<std::pair<double, double>>& ranges) {
  if (classes.empty()) throw Error("range-bucketed mAP: no classes configured");
  if (ranges.empty()) throw Error("range-bucketed mAP: no distance buckets configured");
  RangeBucketConfig c;
  c.classes = classes;
  double maxHi = 0;
  for (const auto& [lo, hi] : ranges) {
    if (!(lo >= 0 && hi > lo))
      throw Error("range-bucketed mAP: bad bucket [" + fmt(lo) + ", " + fmt(hi) + "] (need 0 <= lo < hi)");
    c.buckets.push_back({fmt(lo) + "-" + fmt(hi), lo, hi});
    maxHi = std::max(maxHi, hi);
  }
  c.buckets.push_back({"overall", 0.0, maxHi});
  return c;
}

double bevRange(const EvalBox& box) { return std::hypot(box.translation[0], box.translation[1]); }

EvalBoxes selectBucket(const EvalBoxes& boxes, const RangeBucket& bucket, const std::vector<std::string>& classes) {
  EvalBoxes out;
  for (size_t s = 0; s < boxes.numSamples(); ++s) {
    out.addSample(boxes.sampleTokens()[s]);
    for (const auto& b : boxes.boxes(s)) {
      if (std::find(classes.begin(), classes.end(), b.detectionName) == classes.end()) continue;
      if (b.numPts == 0) continue;
      if (!bucket.contains(bevRange(b))) continue;
      out.add(b);
    }
  }
  return out;
}

RangeBucketedResult evaluateRangeBucketed(const RangeBucketConfig& cfg, const EvalBoxes& gt, const EvalBoxes& pred) {
  RangeBucketedResult r;
  r.classes = cfg.classes;
  r.buckets = cfg.buckets;
  for (const auto& bucket : cfg.buckets) {
    const EvalBoxes g = selectBucket(gt, bucket, cfg.classes);
    const EvalBoxes p = selectBucket(pred, bucket, cfg.classes);
    std::vector<double> classMeans;
    for (const auto& cls : cfg.classes) {
      std::vector<double> aps;
      for (double th : cfg.distThs) aps.push_back(calcAp(accumulate(g, p, cls, th), cfg.minRecall, cfg.minPrecision));
      const double m = npc::mean(aps);
      r.ap[cls][bucket.name] = m;
      classMeans.push_back(m);
    }
    r.mAP[bucket.name] = npc::mean(classMeans);
  }
  return r;
}

nlohmann::ordered_json RangeBucketedResult::toJson() const {
  nlohmann::ordered_json j;
  j["classes"] = classes;
  nlohmann::ordered_json b = nlohmann::ordered_json::object();
  nlohmann::ordered_json m = nlohmann::ordered_json::object();
  for (const auto& bucket : buckets) {
    b[bucket.name] = {bucket.lo, bucket.hi};
    m[bucket.name] = mAP.at(bucket.name);
  }
  j["buckets"] = b;
  j["mAP"] = m;
  nlohmann::ordered_json a = nlohmann::ordered_json::object();
  for (const auto& cls : classes) {
    nlohmann::ordered_json c = nlohmann::ordered_json::object();
    for (const auto& bucket : buckets) c[bucket.name] = ap.at(cls).at(bucket.name);
    a[cls] = c;
  }
  j["AP"] = a;
  return j;
}

}  // namespace cpq
