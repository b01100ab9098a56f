#include "eval/FrameMatches.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "core/Error.h"
#include "eval/Accumulate.h"
#include "eval/BoxErrors.h"
#include "eval/DetectionMetrics.h"
#include "eval/NumpyCompat.h"

namespace cpq {

FrameMatches matchFrames(const EvalBoxes& gt, const EvalBoxes& pred, const std::string& className, double distTh) {
  FrameMatches m;
  m.gtPerFrame.assign(gt.numSamples(), 0);
  for (size_t s = 0; s < gt.numSamples(); ++s)
    for (const auto& b : gt.boxes(s)) m.gtPerFrame[s] += b.detectionName == className ? 1 : 0;

  // As accumulate(): predictions of the class in results order, sorted by score descending, later first.
  std::vector<const EvalBox*> preds;
  std::vector<uint32_t> frameOf;
  for (size_t s = 0; s < pred.numSamples(); ++s) {
    const int f = gt.sampleIndex(pred.sampleTokens()[s]);
    if (f < 0 && !pred.boxes(s).empty())
      throw Error("bootstrap: predictions of sample " + pred.sampleTokens()[s] + ", which is not an evaluated frame");
    for (const auto& b : pred.boxes(s))
      if (b.detectionName == className) {
        preds.push_back(&b);
        frameOf.push_back(static_cast<uint32_t>(f));
      }
  }
  std::vector<size_t> order(preds.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double sa = preds[a]->detectionScore, sb = preds[b]->detectionScore;
    if (sa != sb) return sa > sb;
    return a > b;
  });

  std::vector<std::vector<char>> taken(gt.numSamples());
  for (size_t s = 0; s < gt.numSamples(); ++s) taken[s].assign(gt.boxes(s).size(), 0);
  m.frame.reserve(order.size());
  m.tp.reserve(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const EvalBox& p = *preds[order[k]];
    const uint32_t f = frameOf[order[k]];
    const auto& gts = gt.boxes(f);
    double minDist = std::numeric_limits<double>::infinity();
    int matchIdx = -1;
    for (size_t g = 0; g < gts.size(); ++g) {
      if (gts[g].detectionName != className || taken[f][g]) continue;
      const double d = centerDistance(gts[g], p);
      if (d < minDist) {
        minDist = d;
        matchIdx = static_cast<int>(g);
      }
    }
    const bool isMatch = minDist < distTh;
    if (isMatch) taken[f][static_cast<size_t>(matchIdx)] = 1;
    m.frame.push_back(f);
    m.tp.push_back(isMatch ? 1 : 0);
    const bool last = k + 1 == order.size();
    if (last || frameOf[order[k + 1]] != f || preds[order[k + 1]]->detectionScore != p.detectionScore)
      m.blockEnd.push_back(static_cast<uint32_t>(k + 1));
  }
  return m;
}

double resampledAp(const FrameMatches& m, const std::vector<uint32_t>& weights, double minRecall,
                   double minPrecision, ApScratch& scratch) {
  static const DetectionMetricData kNone = DetectionMetricData::noPredictions();
  static const std::vector<double> kRecallGrid = npc::linspace01(DetectionMetricData::kNumPoints);
  uint64_t npos = 0;
  for (size_t f = 0; f < m.gtPerFrame.size(); ++f) npos += static_cast<uint64_t>(weights[f]) * m.gtPerFrame[f];
  if (npos == 0) return calcAp(kNone, minRecall, minPrecision);

  std::vector<double>& rec = scratch.recall;
  std::vector<double>& prec = scratch.precision;
  rec.clear();
  prec.clear();
  const double nposD = static_cast<double>(npos);
  double ctp = 0, cfp = 0;
  uint32_t begin = 0;
  for (uint32_t end : m.blockEnd) {
    const uint32_t w = weights[m.frame[begin]];
    for (uint32_t copy = 0; copy < w; ++copy)
      for (uint32_t i = begin; i < end; ++i) {
        if (m.tp[i])
          ctp += 1;
        else
          cfp += 1;
        prec.push_back(ctp / (cfp + ctp));
        rec.push_back(ctp / nposD);
      }
    begin = end;
  }
  if (ctp == 0) return calcAp(kNone, minRecall, minPrecision);
  DetectionMetricData md;
  md.precision = npc::interp(kRecallGrid, rec, prec, prec.front(), 0.0);
  return calcAp(md, minRecall, minPrecision);
}

}  // namespace cpq
