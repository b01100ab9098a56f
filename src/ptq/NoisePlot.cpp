#include "ptq/NoisePlot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace cpq {
namespace {

constexpr int kLeft = 62, kRight = 20, kBottom = 40, kTitleY = 8, kLegendY = 26, kLegendRow = 16;
constexpr PlotColour kBlack{0, 0, 0}, kGrid{225, 225, 225}, kAxisText{60, 60, 60}, kReference{90, 90, 90},
    kGuide{150, 150, 150};

// tab10, the matplotlib default cycle.
constexpr PlotColour kPalette[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                                   {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                                   {188, 189, 34},  {23, 190, 207}};

bool drawable(const NoisePoint& p) {
  return std::isfinite(p.frames) && std::isfinite(p.halfWidth) && p.frames > 0 && p.halfWidth > 0;
}

std::string referenceLabel(double h) { return fmt::format("half-width {:g}", h); }
constexpr const char* kGuideLabel = "1/sqrt(N) guide";

// Legend entries in drawing order: every series, then the reference line, then the guide.
std::vector<std::string> legendTexts(const std::vector<NoiseSeries>& series, const NoisePlotOptions& o,
                                     bool guide) {
  std::vector<std::string> t;
  for (const auto& s : series) t.push_back(s.name);
  if (o.referenceHalfWidth > 0) t.push_back(referenceLabel(o.referenceHalfWidth));
  if (guide) t.push_back(kGuideLabel);
  return t;
}

constexpr int kSwatch = 24, kSwatchGap = 6, kItemGap = 20;

// Left x of every legend entry and its row, wrapping at the image width.
std::vector<std::pair<int, int>> legendPlaces(const std::vector<std::string>& texts, int width) {
  std::vector<std::pair<int, int>> places;
  int x = kLeft, row = 0;
  for (const auto& t : texts) {
    const int w = kSwatch + kSwatchGap + PlotCanvas::textWidth(t);
    if (x > kLeft && x + w > width - kRight) {
      x = kLeft;
      ++row;
    }
    places.emplace_back(x, row);
    x += w + kItemGap;
  }
  return places;
}

const NoisePoint* guideAnchor(const std::vector<NoiseSeries>& series) {
  for (const auto& s : series)
    for (const auto& p : s.points)
      if (drawable(p)) return &p;
  return nullptr;
}

// Dashes along a horizontal line from x0 to x1 (inclusive).
void dashedRow(PlotCanvas& c, int x0, int x1, int y, PlotColour colour, int on, int off, int thickness) {
  for (int x = x0; x <= x1; x += on + off) c.line(x, y, std::min(x + on - 1, x1), y, colour, thickness);
}

}  // namespace

PlotColour noiseSeriesColour(size_t i) { return kPalette[i % (sizeof(kPalette) / sizeof(kPalette[0]))]; }

double niceFloor(double v) {
  const double e = std::pow(10.0, std::floor(std::log10(v)));
  const double m = v / e * (1 + 1e-9);
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * e;
}

double niceCeil(double v) {
  const double e = std::pow(10.0, std::floor(std::log10(v)));
  const double m = v / e * (1 - 1e-9);
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e;
}

int NoisePlotLayout::column(double frames) const {
  const double t = std::log(frames / xMin) / std::log(xMax / xMin);
  return plotLeft + static_cast<int>(std::lround(std::clamp(t, -1.0, 2.0) * plotWidth));
}

int NoisePlotLayout::row(double halfWidth) const {
  const double t = std::log(halfWidth / yMin) / std::log(yMax / yMin);
  return plotTop + plotHeight - static_cast<int>(std::lround(std::clamp(t, -1.0, 2.0) * plotHeight));
}

NoisePlotLayout noisePlotLayout(const std::vector<NoiseSeries>& series, const NoisePlotOptions& options) {
  NoisePlotLayout l;
  l.width = options.width;
  l.height = options.height;
  const bool guide = options.sqrtGuide && guideAnchor(series) != nullptr;
  const auto places = legendPlaces(legendTexts(series, options, guide), options.width);
  l.legendRows = places.empty() ? 1 : places.back().second + 1;
  l.plotLeft = kLeft;
  l.plotTop = kLegendY + l.legendRows * kLegendRow + 10;
  l.plotWidth = std::max(1, options.width - kLeft - kRight);
  l.plotHeight = std::max(1, options.height - l.plotTop - kBottom);

  const double inf = std::numeric_limits<double>::infinity();
  double x0 = inf, x1 = -inf, y0 = inf, y1 = -inf;
  for (const auto& s : series)
    for (const auto& p : s.points)
      if (drawable(p)) {
        x0 = std::min(x0, p.frames);
        x1 = std::max(x1, p.frames);
        y0 = std::min(y0, p.halfWidth);
        y1 = std::max(y1, p.halfWidth);
      }
  if (std::isfinite(options.referenceHalfWidth) && options.referenceHalfWidth > 0) {
    y0 = std::min(y0, options.referenceHalfWidth);
    y1 = std::max(y1, options.referenceHalfWidth);
  }
  if (x0 == inf) {
    x0 = 10;
    x1 = 1000;
  }
  if (y0 == inf) {
    y0 = 1e-3;
    y1 = 1e-2;
  }
  l.xMin = niceFloor(x0);
  l.xMax = niceCeil(x1);
  if (l.xMax <= l.xMin * (1 + 1e-9)) l.xMax = niceCeil(l.xMin * 1.01);
  l.yMin = niceFloor(y0);
  l.yMax = niceCeil(y1);
  if (l.yMax <= l.yMin * (1 + 1e-9)) l.yMax = niceCeil(l.yMin * 1.01);
  return l;
}

RgbImage renderNoisePlot(const std::vector<NoiseSeries>& series, const NoisePlotOptions& options) {
  const NoisePlotLayout l = noisePlotLayout(series, options);
  PlotCanvas c(l.width, l.height, {255, 255, 255});
  const int bottom = l.plotTop + l.plotHeight, right = l.plotLeft + l.plotWidth;

  // Grid and tick labels at 1, 2, 5 x 10^k; labels thinned to the decades when they would touch.
  const auto ticks = [](double lo, double hi) {
    std::vector<double> t;
    for (double v = lo; v <= hi * (1 + 1e-9); v = niceCeil(v * 1.01)) t.push_back(v);
    return t;
  };
  const auto isDecade = [](double v) {
    const double e = std::log10(v);
    return std::abs(e - std::round(e)) < 1e-9;
  };
  const std::vector<double> xt = ticks(l.xMin, l.xMax), yt = ticks(l.yMin, l.yMax);
  bool xAll = true, yAll = true;
  for (size_t i = 1; i < xt.size(); ++i)
    if (l.column(xt[i]) - l.column(xt[i - 1]) < PlotCanvas::textWidth(fmt::format("{:.0f}", xt[i])) + 8)
      xAll = false;
  for (size_t i = 1; i < yt.size(); ++i)
    if (l.row(yt[i - 1]) - l.row(yt[i]) < PlotCanvas::textHeight() + 4) yAll = false;
  for (double v : xt) {
    const int x = l.column(v);
    if (x > l.plotLeft && x < right) c.fillRect(x, l.plotTop, x + 1, bottom, kGrid);
    if (!xAll && !isDecade(v)) continue;
    const std::string label = v >= 1 ? fmt::format("{:.0f}", v) : fmt::format("{:g}", v);
    c.text(x - PlotCanvas::textWidth(label) / 2, bottom + 6, label, kAxisText);
  }
  for (double v : yt) {
    const int y = l.row(v);
    if (y > l.plotTop && y < bottom) c.fillRect(l.plotLeft, y, right, y + 1, kGrid);
    if (!yAll && !isDecade(v)) continue;
    const std::string label = fmt::format("{:g}", v);
    c.text(l.plotLeft - 6 - PlotCanvas::textWidth(label), y - 3, label, kAxisText);
  }
  const std::string xTitle = "evaluation frames N (log scale)";
  c.text(l.plotLeft + (l.plotWidth - PlotCanvas::textWidth(xTitle)) / 2, bottom + 22, xTitle, kBlack);

  // Reference line and guide, under the data.
  if (std::isfinite(options.referenceHalfWidth) && options.referenceHalfWidth > 0)
    dashedRow(c, l.plotLeft, right - 1, l.row(options.referenceHalfWidth), kReference, 8, 5, 2);
  const NoisePoint* anchor = options.sqrtGuide ? guideAnchor(series) : nullptr;
  if (anchor != nullptr) {
    // h(N) = h0 sqrt(N0 / N), kept inside the plot area: from where it leaves the top to where it leaves
    // the bottom, within [xMin, xMax].
    const auto h = [&](double n) { return anchor->halfWidth * std::sqrt(anchor->frames / n); };
    const double a = std::max(l.xMin, anchor->frames * std::pow(anchor->halfWidth / l.yMax, 2));
    const double b = std::min(l.xMax, anchor->frames * std::pow(anchor->halfWidth / l.yMin, 2));
    if (a < b) {
      const int steps = std::max(2, (l.column(b) - l.column(a)) / 3);
      for (int i = 0; i < steps; i += 2) {  // every other short piece: a dotted line
        const double n0 = a * std::pow(b / a, static_cast<double>(i) / steps);
        const double n1 = a * std::pow(b / a, static_cast<double>(i + 1) / steps);
        c.line(l.column(n0), l.row(h(n0)), l.column(n1), l.row(h(n1)), kGuide, 1);
      }
    }
  }

  c.fillRect(l.plotLeft, bottom, right + 1, bottom + 1, kBlack);
  c.fillRect(l.plotLeft - 1, l.plotTop, l.plotLeft, bottom + 1, kBlack);

  // Series: lines between consecutive drawable points (in the given order), then the markers on top.
  for (size_t i = 0; i < series.size(); ++i) {
    const PlotColour colour = noiseSeriesColour(i);
    const NoisePoint* last = nullptr;
    for (const auto& p : series[i].points) {
      if (!drawable(p)) continue;
      if (last != nullptr)
        c.line(l.column(last->frames), l.row(last->halfWidth), l.column(p.frames), l.row(p.halfWidth), colour,
               2);
      last = &p;
    }
  }
  for (size_t i = 0; i < series.size(); ++i)
    for (const auto& p : series[i].points)
      if (drawable(p)) {
        const int x = l.column(p.frames), y = l.row(p.halfWidth);
        c.fillRect(x - 3, y - 3, x + 4, y + 4, noiseSeriesColour(i));
      }

  // Title and legend.
  c.text(l.plotLeft, kTitleY, options.title, kBlack);
  const bool guide = anchor != nullptr;
  const auto texts = legendTexts(series, options, guide);
  const auto places = legendPlaces(texts, l.width);
  for (size_t k = 0; k < texts.size(); ++k) {
    const int x = places[k].first, y = kLegendY + places[k].second * kLegendRow + 6;
    if (k < series.size()) {
      const PlotColour colour = noiseSeriesColour(k);
      c.line(x, y, x + kSwatch - 1, y, colour, 2);
      c.fillRect(x + kSwatch / 2 - 3, y - 3, x + kSwatch / 2 + 4, y + 4, colour);
    } else if (options.referenceHalfWidth > 0 && k == series.size()) {
      dashedRow(c, x, x + kSwatch - 1, y, kReference, 8, 5, 2);
    } else {
      for (int d = x; d < x + kSwatch; d += 4) c.line(d, y, d + 1, y, kGuide, 1);
    }
    c.text(x + kSwatch + kSwatchGap, y - 3, texts[k], kBlack);
  }
  return c.release();
}

}  // namespace cpq
