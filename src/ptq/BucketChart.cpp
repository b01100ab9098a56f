#include "ptq/BucketChart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cpq {
namespace {

constexpr int kLeft = 50, kRight = 15, kTop = 40, kBottom = 30;
constexpr PlotColour kBlack{0, 0, 0}, kGrid{225, 225, 225}, kAxisText{60, 60, 60};

}  // namespace

int BucketChartLayout::row(double value) const {
  const double v = std::isfinite(value) ? std::clamp(value, 0.0, yMax) : 0.0;
  return plotTop + plotHeight - static_cast<int>(std::lround(v / yMax * plotHeight));
}

int BucketChartLayout::barLeft(size_t bucket, int series) const {
  return plotLeft + static_cast<int>(bucket) * slotWidth + slotWidth * 15 / 100 +
         series * (slotWidth * 35 / 100);
}

int BucketChartLayout::barRight(size_t bucket, int series) const {
  return barLeft(bucket, series) + slotWidth * 35 / 100;
}

BucketChartLayout bucketChartLayout(const std::vector<BucketBars>& buckets, int width, int height) {
  BucketChartLayout l;
  l.width = width;
  l.height = height;
  l.plotLeft = kLeft;
  l.plotTop = kTop;
  l.plotWidth = std::max(1, width - kLeft - kRight);
  l.plotHeight = std::max(1, height - kTop - kBottom);
  double top = 0;
  for (const BucketBars& b : buckets) {
    for (double v : {b.fp32, b.int8, b.hasInterval ? b.fp32 + b.hi : 0.0})
      if (std::isfinite(v)) top = std::max(top, v);
  }
  l.yMax = std::clamp(std::ceil(top * 10 - 1e-9) / 10, 0.1, 1.0);
  l.slotWidth = l.plotWidth / std::max<int>(1, static_cast<int>(buckets.size()));
  return l;
}

RgbImage renderBucketChart(const std::vector<BucketBars>& buckets, int width, int height) {
  const BucketChartLayout l = bucketChartLayout(buckets, width, height);
  PlotCanvas c(width, height, {255, 255, 255});
  const int zero = l.plotTop + l.plotHeight;

  // Grid and y labels.
  const double step = l.yMax <= 0.3 + 1e-9 ? 0.05 : 0.1;
  for (int k = 0; k * step <= l.yMax + 1e-9; ++k) {
    const int y = l.row(k * step);
    if (k > 0) c.fillRect(l.plotLeft, y, l.plotLeft + l.plotWidth, y + 1, kGrid);
    const std::string label = fmt::format("{:.2f}", k * step);
    c.text(l.plotLeft - 6 - PlotCanvas::textWidth(label), y - 3, label, kAxisText);
  }

  for (size_t i = 0; i < buckets.size(); ++i) {
    const BucketBars& b = buckets[i];
    const double values[2] = {b.fp32, b.int8};
    const PlotColour colours[2] = {kFp32Colour, kInt8Colour};
    for (int s = 0; s < 2; ++s)
      c.fillRect(l.barLeft(i, s), l.row(values[s]), l.barRight(i, s), zero, colours[s]);
    int labelTop[2] = {l.row(b.fp32), l.row(b.int8)};
    if (b.hasInterval && std::isfinite(b.lo) && std::isfinite(b.hi)) {
      const int x = (l.barLeft(i, 1) + l.barRight(i, 1) - 1) / 2;
      const int yLo = l.row(b.fp32 + b.lo), yHi = l.row(b.fp32 + b.hi);
      c.line(x, yLo, x, yHi, kBlack, 2);
      c.line(x - 6, yLo, x + 6, yLo, kBlack, 2);
      c.line(x - 6, yHi, x + 6, yHi, kBlack, 2);
      labelTop[1] = std::min(labelTop[1], yHi - 2);
    }
    for (int s = 0; s < 2; ++s) {
      if (!std::isfinite(values[s])) continue;
      const std::string text = fmt::format("{:.3f}", values[s]);
      const int centre = (l.barLeft(i, s) + l.barRight(i, s)) / 2;
      c.text(centre - PlotCanvas::textWidth(text) / 2, labelTop[s] - 11, text, kBlack);
    }
    const int slotCentre = l.plotLeft + static_cast<int>(i) * l.slotWidth + l.slotWidth / 2;
    c.text(slotCentre - PlotCanvas::textWidth(b.bucket) / 2, zero + 10, b.bucket, kBlack);
  }
  c.fillRect(l.plotLeft, zero, l.plotLeft + l.plotWidth, zero + 1, kBlack);
  c.fillRect(l.plotLeft - 1, l.plotTop, l.plotLeft, zero + 1, kBlack);

  // Legend.
  int x = l.plotLeft;
  const int y = 14;
  c.fillRect(x, y, x + 12, y + 12, kFp32Colour);
  c.text(x + 18, y + 3, "FP32 mAP", kBlack);
  x += 18 + PlotCanvas::textWidth("FP32 mAP") + 24;
  c.fillRect(x, y, x + 12, y + 12, kInt8Colour);
  c.text(x + 18, y + 3, "INT8 mAP", kBlack);
  x += 18 + PlotCanvas::textWidth("INT8 mAP") + 24;
  c.line(x + 6, y, x + 6, y + 11, kBlack, 2);
  c.line(x, y, x + 12, y, kBlack, 2);
  c.line(x, y + 11, x + 12, y + 11, kBlack, 2);
  c.text(x + 18, y + 3, "FP32 + 95% interval of INT8 - FP32", kBlack);
  return c.release();
}

}  // namespace cpq
