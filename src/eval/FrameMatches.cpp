#include "eval/FrameMatches.h"

#include <algorithm>
#include <cmath>
#include <limits>
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
      throw Error("bootstrap: predictions of sample " + pred.sampleTokens()[s] +
                  ", which is not an evaluated frame");
    for (const auto& b : pred.boxes(s))
      if (b.detectionName == className) {
        preds.push_back(&b);
        frameOf.push_back(static_cast<uint32_t>(f));
      }
  }
  const std::vector<size_t> order = devkitScoreOrder(preds);

  // One greedy pass per threshold over the same order (taken flags are per threshold).
  const size_t nth = distThs.size();
  std::vector<std::vector<std::vector<char>>> taken(nth, std::vector<std::vector<char>>(gt.numSamples()));
  for (auto& t : taken)
    for (size_t s = 0; s < gt.numSamples(); ++s) t[s].assign(gt.boxes(s).size(), 0);
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
    m.tp.push_back(bits);
    const bool last = k + 1 == order.size();
    if (last || frameOf[order[k + 1]] != f || preds[order[k + 1]]->detectionScore != p.detectionScore) {
      m.blockEnd.push_back(static_cast<uint32_t>(k + 1));
      m.blockFrame.push_back(f);
    }
  }
  m.tps.resize(nth);
  for (size_t t = 0; t < nth; ++t) {
    FrameMatches::ThresholdTps& x = m.tps[t];
    uint32_t begin = 0;
    for (uint32_t b = 0; b < m.blockEnd.size(); ++b) {
      const uint32_t end = m.blockEnd[b];
      bool any = false;
      for (uint32_t i = begin; i < end; ++i)
        if (m.tp[i] & (1u << t)) {
          if (!any) {
            x.tpBlock.push_back(b);
            x.tpFrame.push_back(m.blockFrame[b]);
            x.tpStart.push_back(static_cast<uint32_t>(x.tpPos.size()));
            any = true;
          }
          x.tpPos.push_back(i - begin);
        }
      begin = end;
    }
    x.tpStart.push_back(static_cast<uint32_t>(x.tpPos.size()));
  }
  return m;
}

std::vector<double> resampledAps(const FrameMatches& m, const std::vector<uint32_t>& weights,
                                 double minRecall, double minPrecision, ApScratch& scratch) {
  static const DetectionMetricData kNone = DetectionMetricData::noPredictions();
  static const std::vector<double> kGrid = npc::linspace01(DetectionMetricData::kNumPoints);
  const size_t nth = m.distThs.size();
  uint64_t npos = 0;
  for (size_t f = 0; f < m.gtPerFrame.size(); ++f)
    npos += static_cast<uint64_t>(weights[f]) * m.gtPerFrame[f];
  if (npos == 0) return std::vector<double>(nth, calcAp(kNone, minRecall, minPrecision));

  // Detections before each block in the resampled order (block k repeated weights[frame] times in place).
  const size_t nb = m.blockEnd.size();
  // Integer counts held as doubles (exact below 2^53), so that the walk below needs no conversions.
  std::vector<double>& before = scratch.pointsBefore;
  before.resize(nb + 1);
  int64_t total = 0;
  for (size_t k = 0; k < nb; ++k) {
    before[k] = static_cast<double>(total);
    const int64_t size = m.blockEnd[k] - (k ? m.blockEnd[k - 1] : 0);
    total += static_cast<int64_t>(weights[m.blockFrame[k]]) * size;
  }
  before[nb] = static_cast<double>(total);

  // np.interp(grid, recall, precision, left = precision[0], right = 0) computed while walking the true
  // positives only: recall only grows at a true positive, and the false positives before one are the
  // points before it minus the true positives. After a TP at recall r every grid value below r is
  // resolved; a grid value x resolved at the next TP lies in [r, r') and numpy's "last xp <= x" is the point
  // just before that TP (precision ctp' - 1 over ctp' - 1 + fp before it). Same values and arithmetic as
  // npc::interp on the expanded curve, hence the same bits (tests compare with calcAp(accumulate(...))).
  const size_t n = kGrid.size();
  std::vector<double>& out = scratch.precision;
  out.resize(n);
  const double nposD = static_cast<double>(npos);
  std::vector<double> aps(nth);
  DetectionMetricData md;
  // The smallest true-positive count whose recall passes grid value kk (recall = ctp / npos is monotone in
  // ctp), so that a TP that resolves nothing costs one comparison and no division.
  auto nextCtpFor = [&](size_t kk) {
    double c = std::floor(kGrid[kk] * nposD);
    if (c / nposD > kGrid[kk]) {
      while (c > 1 && (c - 1) / nposD > kGrid[kk]) c -= 1;
    } else {
      while (!(c / nposD > kGrid[kk])) c += 1;
    }
    return c;
  };
  const double kNever = std::numeric_limits<double>::infinity();
  for (size_t t = 0; t < nth; ++t) {
    const FrameMatches::ThresholdTps& x = m.tps[t];
    double ctp = 0;
    size_t k = 0;
    double nextCtp = nextCtpFor(0);
    for (size_t j = 0; j + 1 < x.tpStart.size(); ++j) {
      const uint32_t w = weights[x.tpFrame[j]];
      if (w == 0) continue;
      const uint32_t b = x.tpBlock[j];
      const double size = m.blockEnd[b] - (b ? m.blockEnd[b - 1] : 0);
      for (uint32_t copy = 0; copy < w; ++copy)
        for (uint32_t q = x.tpStart[j]; q < x.tpStart[j + 1]; ++q) {
          ctp += 1;
          if (ctp < nextCtp) continue;  // recall <= the next grid value: nothing to resolve
          // points up to and including this TP
          const double atOrBefore = before[b] + copy * size + static_cast<double>(x.tpPos[q] + 1);
          const double cfp = atOrBefore - ctp;
          const double rec = ctp / nposD;
          if (ctp == 1 && cfp == 0) {  // the curve starts with this TP: its precision left of it
            const double p0 = ctp / (cfp + ctp);
            while (k < n && kGrid[k] < rec) out[k++] = p0;
          } else {
            // The point before this TP: the previous TP's recall (0 when only FPs precede), ctp - 1 TPs.
            const double prevRec = (ctp - 1) / nposD;
            const double prevCtp = ctp - 1;
            const double prevPrec = prevCtp / (cfp + prevCtp);
            const double curPrec = ctp / (cfp + ctp);
            const double slope = (curPrec - prevPrec) / (rec - prevRec);
            for (; k < n && kGrid[k] < rec; ++k)
              out[k] = kGrid[k] == prevRec ? prevPrec : slope * (kGrid[k] - prevRec) + prevPrec;
          }
          nextCtp = k < n ? nextCtpFor(k) : kNever;
        }
    }
    if (ctp == 0) {
      aps[t] = calcAp(kNone, minRecall, minPrecision);
      continue;
    }
    const double lastRec = ctp / nposD;
    const double lastPrec = ctp / (before[nb] - ctp + ctp);  // after the trailing FPs
    md.precision.assign(out.begin(), out.end());
    for (size_t i = k; i < n; ++i) md.precision[i] = kGrid[i] == lastRec ? lastPrec : 0.0;  // right: 0
    aps[t] = calcAp(md, minRecall, minPrecision);
  }
  return aps;
}

}  // namespace cpq
