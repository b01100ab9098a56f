#include "eval/Accumulate.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "eval/BoxErrors.h"
#include "eval/NumpyCompat.h"

namespace cpq {

DetectionMetricData DetectionMetricData::noPredictions() {
  DetectionMetricData d;
  const size_t n = kNumPoints;
  d.recall = npc::linspace01(kNumPoints);
  d.precision.assign(n, 0.0);
  d.confidence.assign(n, 0.0);
  d.transErr.assign(n, 1.0);
  d.velErr.assign(n, 1.0);
  d.scaleErr.assign(n, 1.0);
  d.orientErr.assign(n, 1.0);
  d.attrErr.assign(n, 1.0);
  return d;
}

int DetectionMetricData::maxRecallInd() const {
  for (int i = static_cast<int>(confidence.size()) - 1; i >= 0; --i)
    if (confidence[static_cast<size_t>(i)] != 0) return i;
  return 0;
}

const std::vector<double>& DetectionMetricData::errorCurve(const std::string& m) const {
  if (m == "trans_err") return transErr;
  if (m == "vel_err") return velErr;
  if (m == "scale_err") return scaleErr;
  if (m == "orient_err") return orientErr;
  if (m == "attr_err") return attrErr;
  throw std::logic_error("unknown TP metric " + m);
}

std::vector<double> cummean(const std::vector<double>& x) {
  size_t nans = 0;
  for (double v : x) nans += std::isnan(v) ? 1 : 0;
  if (nans == x.size()) return std::vector<double>(x.size(), 1.0);
  std::vector<double> out(x.size(), 0.0);
  double sum = 0.0;
  long count = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!std::isnan(x[i])) {
      sum += x[i];
      ++count;
    }
    if (count != 0) out[i] = sum / static_cast<double>(count);
  }
  return out;
}

std::vector<size_t> devkitScoreOrder(const std::vector<const EvalBox*>& preds) {
  std::vector<size_t> order(preds.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double sa = preds[a]->detectionScore, sb = preds[b]->detectionScore;
    if (sa != sb) return sa > sb;
    return a > b;
  });
  return order;
}

DetectionMetricData accumulate(const EvalBoxes& gt, const EvalBoxes& pred, const std::string& className,
                               double distTh) {
  size_t npos = 0;
  for (size_t s = 0; s < gt.numSamples(); ++s)
    for (const auto& b : gt.boxes(s)) npos += b.detectionName == className ? 1 : 0;
  if (npos == 0) return DetectionMetricData::noPredictions();

  // Predictions of the class in results order (sample order, then list order).
  std::vector<const EvalBox*> preds;
  for (size_t s = 0; s < pred.numSamples(); ++s)
    for (const auto& b : pred.boxes(s))
      if (b.detectionName == className) preds.push_back(&b);

  const std::vector<size_t> order = devkitScoreOrder(preds);

  // taken[sample][gt index]
  std::vector<std::vector<char>> taken(gt.numSamples());
  for (size_t s = 0; s < gt.numSamples(); ++s) taken[s].assign(gt.boxes(s).size(), 0);

  std::vector<double> tp, fp, conf;
  std::vector<double> mTrans, mVel, mScale, mOrient, mAttr, mConf;
  const double period = className == "barrier" ? M_PI : 2 * M_PI;
  tp.reserve(order.size());
  fp.reserve(order.size());
  conf.reserve(order.size());
  for (size_t ind : order) {
    const EvalBox& p = *preds[ind];
    double minDist = std::numeric_limits<double>::infinity();
    int matchIdx = -1;
    const int s = gt.sampleIndex(p.sampleToken);
    if (s >= 0) {
      const auto& gts = gt.boxes(static_cast<size_t>(s));
      for (size_t g = 0; g < gts.size(); ++g) {
        if (gts[g].detectionName != className || taken[static_cast<size_t>(s)][g]) continue;
        const double d = centerDistance(gts[g], p);
        if (d < minDist) {
          minDist = d;
          matchIdx = static_cast<int>(g);
        }
      }
    }
    const bool isMatch = minDist < distTh;
    conf.push_back(p.detectionScore);
    if (isMatch) {
      taken[static_cast<size_t>(s)][static_cast<size_t>(matchIdx)] = 1;
      tp.push_back(1);
      fp.push_back(0);
      const EvalBox& g = gt.boxes(static_cast<size_t>(s))[static_cast<size_t>(matchIdx)];
      mTrans.push_back(centerDistance(g, p));
      mVel.push_back(velocityL2(g, p));
      mScale.push_back(1 - scaleIou(g, p));
      mOrient.push_back(yawDiff(g, p, period));
      mAttr.push_back(attrError(g, p));
      mConf.push_back(p.detectionScore);
    } else {
      tp.push_back(0);
      fp.push_back(1);
    }
  }
  if (mTrans.empty()) return DetectionMetricData::noPredictions();

  std::vector<double> prec(tp.size()), rec(tp.size());
  double ctp = 0, cfp = 0;
  for (size_t i = 0; i < tp.size(); ++i) {
    ctp += tp[i];
    cfp += fp[i];
    prec[i] = ctp / (cfp + ctp);
    rec[i] = ctp / static_cast<double>(npos);
  }

  DetectionMetricData d;
  d.recall = npc::linspace01(DetectionMetricData::kNumPoints);
  d.precision = npc::interp(d.recall, rec, prec, prec.front(), 0.0);
  d.confidence = npc::interp(d.recall, rec, conf, conf.front(), 0.0);

  // Errors are cumulative means in score order, then read off at each recall point's confidence.
  // np.interp needs increasing abscissae, hence the reversals.
  std::vector<double> confRev(d.confidence.rbegin(), d.confidence.rend());
  std::vector<double> mConfRev(mConf.rbegin(), mConf.rend());
  auto curve = [&](const std::vector<double>& matches) {
    const std::vector<double> cm = cummean(matches);
    std::vector<double> cmRev(cm.rbegin(), cm.rend());
    std::vector<double> r = npc::interp(confRev, mConfRev, cmRev);
    std::reverse(r.begin(), r.end());
    return r;
  };
  d.transErr = curve(mTrans);
  d.velErr = curve(mVel);
  d.scaleErr = curve(mScale);
  d.orientErr = curve(mOrient);
  d.attrErr = curve(mAttr);
  return d;
}

}  // namespace cpq
