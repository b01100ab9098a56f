#pragma once
// How the evaluation noise shrinks with the number of frames: per series (one `ptq --noise-curve` report)
// the half-width (hi - lo) / 2 of the paired interval of INT8 - FP32 on the first N evaluation frames,
// drawn against N on log-log axes, one line with square markers per series in its own colour, a legend
// with the series' names, a dashed horizontal reference line at a chosen half-width (the smallest
// difference a user wants to resolve) and, optionally, a dotted 1/sqrt(N) guide through the first series'
// first point (independent frames: four times the frames halve the interval).
// The axes run between "nice" values (1, 2, 5 x 10^k) around the data and the reference line, with a
// labelled grid line at each of them; points with N <= 0 or a half-width <= 0 (or not finite) are skipped.
#include <cstddef>
#include <string>
#include <vector>

#include "core/RgbImage.h"
#include "ptq/PlotCanvas.h"

namespace cpq {

struct NoisePoint {
  double frames = 0;     // N, the first N evaluation frames
  double halfWidth = 0;  // (hi - lo) / 2 of the interval on those frames
};

struct NoiseSeries {
  std::string name;  // legend text (study-tables: the report's file stem)
  std::vector<NoisePoint> points;
};

struct NoisePlotOptions {
  int width = 900, height = 480;
  double referenceHalfWidth = 0.0015;  // dashed line; <= 0: none
  bool sqrtGuide = true;               // dotted 1/sqrt(N) guide through the first series' first point
  std::string title = "Half-width of the paired interval of INT8 - FP32 (t4 mAP overall) vs frames";
};

// Where the plot puts things, for the renderer and the tests.
struct NoisePlotLayout {
  int width = 0, height = 0;
  int plotLeft = 0, plotTop = 0, plotWidth = 0, plotHeight = 0;  // the plot area's pixel box
  int legendRows = 1;
  double xMin = 1, xMax = 10;       // frames at the left and right edge
  double yMin = 1e-3, yMax = 1e-2;  // half-widths at the bottom and top edge

  // Pixel column of a frame count: plotLeft + round(plotWidth * log(N / xMin) / log(xMax / xMin)).
  int column(double frames) const;
  // Pixel row of a half-width: plotTop + plotHeight - round(plotHeight * log(h / yMin) / log(yMax / yMin)).
  int row(double halfWidth) const;
};

// The colour of series i (a ten-colour cycle, blue first).
PlotColour noiseSeriesColour(size_t i);

// The largest 1, 2, 5 x 10^k <= v and the smallest >= v (v > 0).
double niceFloor(double v);
double niceCeil(double v);

NoisePlotLayout noisePlotLayout(const std::vector<NoiseSeries>& series, const NoisePlotOptions& options = {});

// White background; no drawable point gives the axes, legend and reference line only.
RgbImage renderNoisePlot(const std::vector<NoiseSeries>& series, const NoisePlotOptions& options = {});

}  // namespace cpq
