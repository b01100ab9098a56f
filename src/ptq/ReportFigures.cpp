#include "ptq/ReportFigures.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "ptq/AmaxHistogramPlot.h"

namespace cpq {
namespace {

std::string number(double v) { return fmt::format("{:.4g}", v); }

PtqFigure bucketFigure(const std::vector<BucketBars>& buckets) {
  PtqFigure f;
  f.suffix = "buckets.png";
  f.title = "FP32 vs INT8 mAP per range bucket";
  f.image = renderBucketChart(buckets);
  bool anyInterval = false;
  const BucketBars* worst = nullptr;
  for (const BucketBars& b : buckets) {
    anyInterval = anyInterval || b.hasInterval;
    if (worst == nullptr || b.int8 - b.fp32 < worst->int8 - worst->fp32) worst = &b;
  }
  f.caption =
      "**FP32 vs INT8 mAP per range bucket.** Blue: FP32, orange: INT8, the mAP printed above each bar.";
  if (anyInterval)
    f.caption +=
        " The black whisker on the INT8 bar spans FP32 + [lo, hi], [lo, hi] being the paired bootstrap 95% "
        "interval of INT8 - FP32: where INT8 may lie given the frames' spread. A whisker that reaches above "
        "the "
        "top of the blue bar means the loss in that bucket is not significant.";
  else
    f.caption += " No intervals: the run had no paired bootstrap.";
  if (worst != nullptr) {
    f.caption +=
        fmt::format(" Largest drop: {} (INT8 - FP32 = {:+.4f}", worst->bucket, worst->int8 - worst->fp32);
    if (worst->hasInterval)
      f.caption += fmt::format(", 95% interval [{:+.4f}, {:+.4f}]", worst->lo, worst->hi);
    f.caption += ").";
  }
  return f;
}

PtqFigure histogramFigure(const std::vector<AmaxHistogramPanel>& panels) {
  PtqFigure f;
  f.suffix = "hist.png";
  f.title = "Calibration histograms of the lowest-SQNR layers";
  f.image = renderAmaxHistograms(panels);
  f.caption = fmt::format(
      "**Calibration histograms of the {} layer{} with the lowest SQNR**, top to bottom: |input| over the "
      "calibration frames, counts on a log scale. Thick black line: the amax the recipe chose; thin lines: "
      "what the other searches choose on the same histogram (red max, blue percentile(99.99), purple the "
      "configured percentile, green mse, orange entropy). Inputs above amax are clipped; a larger amax "
      "keeps them but quantizes every input more coarsely.",
      panels.size(), panels.size() == 1 ? "" : "s");
  for (const AmaxHistogramPanel& p : panels) {
    f.caption += fmt::format("\n- `{}` (SQNR {:.1f} dB, {}): chosen {}", p.layer, p.sqnrDb, p.method,
                             number(p.chosenAmax));
    for (const AmaxCandidate& a : p.alternatives) f.caption += fmt::format(", {} {}", a.name, number(a.amax));
  }
  return f;
}

PtqFigure bevFigure(const DisagreementFrameView& v) {
  PtqFigure f;
  f.suffix = "bev.png";
  const FrameDisagreement& d = v.disagreement;
  f.title = fmt::format("FP32 and INT8 detections on frame {}", d.frame);
  f.image = renderDisagreementFrame(v);
  f.caption = fmt::format(
      "**Bird's-eye view of frame {}{}, where FP32 and INT8 differ most** (FP32 left, INT8 right; x forward "
      "up, {} m from the sensor to each edge). Points shaded by height, ground truth green, detections with "
      "score >= {} orange. Thick red: ground truth that the other model finds (same class within {} m) and "
      "this "
      "one misses; thick magenta: detections that match neither ground truth nor the other model. In this "
      "frame FP32 alone finds {} objects, INT8 alone {}, both {}; extra detections: FP32 {}, INT8 {}. Frames "
      "are ranked by the sum of the one-model-only objects and extra detections, the earlier frame on ties.",
      d.frame, v.sampleToken.empty() ? "" : " (`" + v.sampleToken + "`)", number(v.view.range),
      number(v.options.minScore), number(v.options.matchDistance), d.gtFoundByFp32Only, d.gtFoundByInt8Only,
      d.gtFoundByBoth, d.extraFp32, d.extraInt8);
  return f;
}

}  // namespace

std::vector<const LayerCalibration*> lowestSqnrLayers(const std::vector<LayerCalibration>& calibration,
                                                      const std::vector<LayerSqnr>& sqnr, int count) {
  std::map<std::string, double> byName;
  for (const LayerSqnr& s : sqnr) byName[s.layer] = s.sqnrDb;
  std::vector<std::pair<double, const LayerCalibration*>> candidates;
  for (const LayerCalibration& lc : calibration) {
    const auto it = byName.find(lc.layer);
    if (it == byName.end() || !std::isfinite(it->second) || lc.inputHistogram.empty()) continue;
    candidates.push_back({it->second, &lc});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const LayerCalibration*> out;
  for (const auto& c : candidates) {
    if (static_cast<int>(out.size()) >= count) break;
    out.push_back(c.second);
  }
  return out;
}

std::vector<PtqFigure> renderPtqFigures(const PtqFigureInputs& inputs) {
  std::vector<PtqFigure> out;
  if (!inputs.buckets.empty()) out.push_back(bucketFigure(inputs.buckets));
  std::map<std::string, double> sqnrOf;
  for (const LayerSqnr& s : inputs.sqnr) sqnrOf[s.layer] = s.sqnrDb;
  std::vector<AmaxHistogramPanel> panels;
  for (const LayerCalibration* lc : lowestSqnrLayers(inputs.calibration, inputs.sqnr, inputs.histogramLayers))
    panels.push_back(amaxHistogramPanel(*lc, sqnrOf.at(lc->layer), inputs.amaxOptions));
  if (!panels.empty()) out.push_back(histogramFigure(panels));
  if (inputs.frame) out.push_back(bevFigure(*inputs.frame));
  return out;
}

std::string figureMarkdown(const PtqFigure& figure, const std::string& fileName) {
  return fmt::format("![{}]({})\n\n{}\n", figure.title, fileName, figure.caption);
}

}  // namespace cpq
