#include "eval/FrameMatches.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "core/Error.h"
#include "eval/Accumulate.h"
#include "eval/BoxErrors.h"
#include "eval/DetectionMetrics.h"
#include "eval/NumpyCompat.h"

namespace cpq {

FrameMatches matchFrames(const EvalBoxes& gt, const EvalBoxes& pred, const std::string& className,
                         const std::vector<double>& distThs) {
  if (distThs.empty() || distThs.size() > FrameMatches::kMaxThresholds)
    throw std::logic_error("matchFrames: 1 to 8 distance thresholds");
  FrameMatches m;
  m.distThs = distThs;
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

  // One greedy pass per threshold over the same order (taken flags are per threshold).
  const size_t nth = distThs.size();
  std::vector<std::vector<std::vector<char>>> taken(nth, std::vector<std::vector<char>>(gt.numSamples()));
  for (auto& t : taken)
    for (size_t s = 0; s < gt.numSamples(); ++s) t[s].assign(gt.boxes(s).size(), 0);
  m.frame.reserve(order.size());
  m.tp.reserve(order.size());
  for (size_t k = 0; k < order.size(); ++k) {
    const EvalBox& p = *preds[order[k]];
    const uint32_t f = frameOf[order[k]];
    const auto& gts = gt.boxes(f);
    uint8_t bits = 0;
    for (size_t t = 0; t < nth; ++t) {
      double minDist = std::numeric_limits<double>::infinity();
      int matchIdx = -1;
      for (size_t g = 0; g < gts.size(); ++g) {
        if (gts[g].detectionName != className || taken[t][f][g]) continue;
        const double d = centerDistance(gts[g], p);
        if (d < minDist) {
          minDist = d;
          matchIdx = static_cast<int>(g);
        }
      }
      if (minDist < distThs[t]) {
        taken[t][f][static_cast<size_t>(matchIdx)] = 1;
        bits = static_cast<uint8_t>(bits | (1u << t));
      }
    }
    m.frame.push_back(f);
    m.tp.push_back(bits);
    const bool last = k + 1 == order.size();
    if (last || frameOf[order[k + 1]] != f || preds[order[k + 1]]->detectionScore != p.detectionScore)
      m.blockEnd.push_back(static_cast<uint32_t>(k + 1));
  }
  return m;
}

namespace {

// The state of one threshold's curve walk (see resampledAps).
struct CurveWalk {
  double ctp = 0, cfp = 0;
  double prevRec = 0, prevCtp = 0, prevCfp = 0;
  bool first = true;
  size_t k = 0;  // next unresolved grid index
};

}  // namespace

std::vector<double> resampledAps(const FrameMatches& m, const std::vector<uint32_t>& weights, double minRecall,
                                 double minPrecision, ApScratch& scratch) {
  static const DetectionMetricData kNone = DetectionMetricData::noPredictions();
  static const std::vector<double> kGrid = npc::linspace01(DetectionMetricData::kNumPoints);
  const size_t nth = m.distThs.size();
  uint64_t npos = 0;
  for (size_t f = 0; f < m.gtPerFrame.size(); ++f) npos += static_cast<uint64_t>(weights[f]) * m.gtPerFrame[f];
  if (npos == 0) return std::vector<double>(nth, calcAp(kNone, minRecall, minPrecision));

  // np.interp(grid, recall, precision, left = precision[0], right = 0) computed while walking the curve,
  // without storing it: after point i every grid value below recall[i] is resolved, so a grid value x
  // resolved at point i + 1 has recall[i] <= x < recall[i + 1] and j = i is numpy's "last xp <= x". Recall
  // only grows at a true positive, so false positives merely advance the counts. Same arithmetic as
  // npc::interp, hence the same bits (tests compare with calcAp(accumulate(...))).
  const size_t n = kGrid.size();
  std::vector<double>& out = scratch.precision;
  out.assign(n * nth, 0.0);
  const double nposD = static_cast<double>(npos);
  CurveWalk walks[FrameMatches::kMaxThresholds];
  uint32_t begin = 0;
  for (uint32_t end : m.blockEnd) {
    const uint32_t w = weights[m.frame[begin]];
    for (uint32_t copy = 0; copy < w; ++copy)
      for (uint32_t i = begin; i < end; ++i) {
        const uint8_t bits = m.tp[i];
        for (size_t t = 0; t < nth; ++t) {
          CurveWalk& c = walks[t];
          if (!(bits & (1u << t))) {
            c.cfp += 1;
            if (c.first) {  // the curve starts with a false positive: recall 0, precision 0
              c.first = false;
              c.prevRec = 0;
            }
            c.prevCfp = c.cfp;
            continue;
          }
          c.ctp += 1;
          const double rec = c.ctp / nposD;
          double* o = out.data() + t * n;
          if (c.first) {
            const double p0 = c.ctp / (c.cfp + c.ctp);
            while (c.k < n && kGrid[c.k] < rec) o[c.k++] = p0;
            c.first = false;
          } else if (c.k < n && kGrid[c.k] < rec) {
            const double prevPrec = c.prevCtp / (c.prevCfp + c.prevCtp);
            const double curPrec = c.ctp / (c.cfp + c.ctp);
            const double slope = (curPrec - prevPrec) / (rec - c.prevRec);
            for (; c.k < n && kGrid[c.k] < rec; ++c.k)
              o[c.k] = kGrid[c.k] == c.prevRec ? prevPrec : slope * (kGrid[c.k] - c.prevRec) + prevPrec;
          }
          c.prevRec = rec;
          c.prevCtp = c.ctp;
          c.prevCfp = c.cfp;
        }
      }
    begin = end;
  }
  std::vector<double> aps(nth);
  DetectionMetricData md;
  for (size_t t = 0; t < nth; ++t) {
    CurveWalk& c = walks[t];
    if (c.ctp == 0) {
      aps[t] = calcAp(kNone, minRecall, minPrecision);
      continue;
    }
    const double lastPrec = c.prevCtp / (c.prevCfp + c.prevCtp);
    md.precision.assign(out.begin() + static_cast<std::ptrdiff_t>(t * n),
                        out.begin() + static_cast<std::ptrdiff_t>((t + 1) * n));
    for (size_t k = c.k; k < n; ++k) md.precision[k] = kGrid[k] == c.prevRec ? lastPrec : 0.0;  // right: 0
    aps[t] = calcAp(md, minRecall, minPrecision);
  }
  return aps;
}

}  // namespace cpq
