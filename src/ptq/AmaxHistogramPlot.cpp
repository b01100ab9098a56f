#include "ptq/AmaxHistogramPlot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/Error.h"
#include "quant/AmaxSearch.h"

namespace cpq {
namespace {

constexpr int kLeft = 50, kRight = 15, kTop = 44, kBottom = 24;
constexpr PlotColour kBlack{0, 0, 0}, kBars{150, 150, 150}, kGrid{230, 230, 230}, kAxisText{60, 60, 60};

std::string shortNumber(double v) { return fmt::format("{:.4g}", v); }

void drawPanel(PlotCanvas& c, const AmaxHistogramPanel& p, int top, int width, int height) {
  const AmaxHistogramLayout l = amaxHistogramLayout(p, width, height);
  const int plotTop = top + l.plotTop, zero = plotTop + l.plotHeight;
  c.text(l.plotLeft, top + 6, fmt::format("{}   SQNR {:.1f} dB   {}", p.layer, p.sqnrDb, p.method), kBlack);

  // Counts per pixel column, log scale.
  std::vector<double> columns(static_cast<size_t>(l.plotWidth), 0.0);
  const auto& counts = p.histogram.counts;
  const auto& edges = p.histogram.edges;
  for (size_t j = 0; j < counts.size() && j + 1 < edges.size(); ++j) {
    const int col = std::clamp(l.column((edges[j] + edges[j + 1]) / 2) - l.plotLeft, 0, l.plotWidth - 1);
    columns[static_cast<size_t>(col)] += counts[j];
  }
  const double peak = *std::max_element(columns.begin(), columns.end());
  const double decades = std::max(1.0, std::ceil(std::log10(std::max(peak, 1.0)) - 1e-9));
  auto rowOf = [&](double count) {
    return zero -
           static_cast<int>(std::lround(std::log10(1.0 + std::max(count, 0.0)) / decades * l.plotHeight));
  };
  for (int d = 0; d <= static_cast<int>(decades); ++d) {
    const int y = zero - static_cast<int>(std::lround(d / decades * l.plotHeight));
    if (d > 0) c.fillRect(l.plotLeft, y, l.plotLeft + l.plotWidth, y + 1, kGrid);
    const std::string label =
        d < 3 ? fmt::format("{}", static_cast<int>(std::pow(10, d))) : fmt::format("1e{}", d);
    c.text(l.plotLeft - 6 - PlotCanvas::textWidth(label), y - 3, label, kAxisText);
  }
  for (int x = 0; x < l.plotWidth; ++x)
    if (columns[static_cast<size_t>(x)] > 0)
      c.fillRect(l.plotLeft + x, rowOf(columns[static_cast<size_t>(x)]), l.plotLeft + x + 1, zero, kBars);
  c.fillRect(l.plotLeft, zero, l.plotLeft + l.plotWidth, zero + 1, kBlack);
  c.fillRect(l.plotLeft - 1, plotTop, l.plotLeft, zero + 1, kBlack);
  for (int k = 0; k <= 4; ++k) {
    const double v = l.xMax * k / 4;
    const int x = l.column(v);
    c.fillRect(x, zero, x + 1, zero + 4, kBlack);
    const std::string label = shortNumber(v);
    c.text(std::clamp(x - PlotCanvas::textWidth(label) / 2, 0, width - PlotCanvas::textWidth(label)),
           zero + 8, label, kAxisText);
  }

  // amax lines: the chosen one thick, the alternatives over it.
  const int chosen = l.column(p.chosenAmax);
  c.fillRect(chosen - 2, plotTop, chosen + 3, zero, kBlack);
  for (const AmaxCandidate& a : p.alternatives) {
    const int x = l.column(a.amax);
    c.fillRect(x, plotTop, x + 1, zero, a.colour);
  }

  // Legend.
  int x = l.plotLeft;
  const int y = top + 24;
  const std::string chosenText = "chosen " + shortNumber(p.chosenAmax);
  c.fillRect(x, y, x + 5, y + 9, kBlack);
  c.text(x + 9, y + 1, chosenText, kBlack);
  x += 9 + PlotCanvas::textWidth(chosenText) + 18;
  for (const AmaxCandidate& a : p.alternatives) {
    const std::string text = a.name + " " + shortNumber(a.amax);
    c.fillRect(x, y, x + 2, y + 9, a.colour);
    c.text(x + 6, y + 1, text, a.colour);
    x += 6 + PlotCanvas::textWidth(text) + 18;
  }
}

}  // namespace

std::vector<AmaxCandidate> alternativeAmax(const InputHistogram& histogram, double maxAbs,
                                           const AmaxOptions& configured) {
  std::vector<AmaxCandidate> out;
  if (histogram.empty()) return out;
  const auto& counts = histogram.counts;
  const auto& edges = histogram.edges;
  out.push_back({"max", maxAbs, {214, 39, 40}});
  out.push_back({"percentile(99.99)", percentileAmax(counts, edges, 99.99), {31, 119, 180}});
  if (configured.percentile != 99.99)
    out.push_back({fmt::format("percentile({})", configured.percentile),
                   percentileAmax(counts, edges, configured.percentile),
                   {148, 103, 189}});
  const int64_t n = static_cast<int64_t>(counts.size());
  if (n > configured.startBin)
    out.push_back({"mse",
                   mseAmax(counts, edges, histogram.numBits, histogram.isUnsigned, configured.startBin,
                           configured.stride),
                   {44, 160, 44}});
  if (n >= 2 && configured.startBin <= n)
    out.push_back({"entropy",
                   entropyAmax(counts, edges, histogram.numBits, histogram.isUnsigned, configured.startBin,
                               configured.stride),
                   {255, 127, 14}});
  return out;
}

AmaxHistogramPanel amaxHistogramPanel(const LayerCalibration& layer, double sqnrDb,
                                      const AmaxOptions& configured) {
  if (layer.inputHistogram.empty())
    throw Error("histogram figure: " + layer.layer + " has no input histogram");
  AmaxHistogramPanel p;
  p.layer = layer.layer;
  p.sqnrDb = sqnrDb;
  p.method = layer.method;
  p.chosenAmax = layer.inputAmax;
  p.histogram = layer.inputHistogram;
  p.alternatives = alternativeAmax(layer.inputHistogram, layer.inputStats.maxAbs, configured);
  return p;
}

int AmaxHistogramLayout::column(double value) const {
  const double v = std::isfinite(value) ? std::clamp(value, 0.0, xMax) : 0.0;
  return plotLeft + static_cast<int>(std::lround(v / xMax * (plotWidth - 1)));
}

AmaxHistogramLayout amaxHistogramLayout(const AmaxHistogramPanel& panel, int width, int height) {
  AmaxHistogramLayout l;
  l.plotLeft = kLeft;
  l.plotTop = kTop;
  l.plotWidth = std::max(2, width - kLeft - kRight);
  l.plotHeight = std::max(1, height - kTop - kBottom);
  double top = panel.histogram.edges.empty() ? 0.0 : panel.histogram.edges.back();
  top = std::max(top, panel.chosenAmax);
  for (const AmaxCandidate& a : panel.alternatives)
    if (std::isfinite(a.amax)) top = std::max(top, a.amax);
  l.xMax = top > 0 && std::isfinite(top) ? top : 1.0;
  return l;
}

RgbImage renderAmaxHistograms(const std::vector<AmaxHistogramPanel>& panels, int width, int panelHeight) {
  PlotCanvas c(width, panelHeight * static_cast<int>(panels.size()), {255, 255, 255});
  for (size_t i = 0; i < panels.size(); ++i) {
    drawPanel(c, panels[i], static_cast<int>(i) * panelHeight, width, panelHeight);
    if (i > 0)
      c.fillRect(0, static_cast<int>(i) * panelHeight, width, static_cast<int>(i) * panelHeight + 1, kGrid);
  }
  return c.release();
}

}  // namespace cpq
