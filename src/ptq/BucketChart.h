#pragma once
// FP32 vs INT8 mAP per range bucket as a grouped bar chart: per bucket an FP32 bar (blue) and an INT8 bar
// (orange), the mAP printed above each bar, and on the INT8 bar a black whisker from FP32 + lo to
// FP32 + hi, [lo, hi] being the paired 95% interval of INT8 - FP32: where INT8 may lie given the frames'
// spread, drawn from FP32 so that a whisker reaching past the FP32 bar's top means "no significant loss".
// The y axis runs from 0 to the largest value (whiskers included) rounded up to a tenth, at most 1, with a
// labelled grid line per tenth (per 0.05 below 0.3); bucket names are written below the groups.
#include <string>
#include <vector>

#include "core/RgbImage.h"
#include "ptq/PlotCanvas.h"

namespace cpq {

struct BucketBars {
  std::string bucket;         // "0-20", ..., "overall"
  double fp32 = 0, int8 = 0;  // mAP in [0, 1]
  bool hasInterval = false;   // false: no whisker (no bootstrap was run)
  double lo = 0, hi = 0;      // 95% interval of INT8 - FP32
};

// Where the chart puts things, for the renderer and the tests.
struct BucketChartLayout {
  int width = 0, height = 0;
  int plotLeft = 0, plotTop = 0, plotWidth = 0, plotHeight = 0;  // plotTop + plotHeight = the zero line
  double yMax = 1;
  int slotWidth = 0;  // plotWidth / buckets

  // Pixel row of a mAP value (clamped to [0, yMax]).
  int row(double value) const;
  // [left, right) pixel columns of a bar: series 0 = FP32, 1 = INT8.
  int barLeft(size_t bucket, int series) const;
  int barRight(size_t bucket, int series) const;
};

inline constexpr PlotColour kFp32Colour{31, 119, 180};
inline constexpr PlotColour kInt8Colour{255, 127, 14};

BucketChartLayout bucketChartLayout(const std::vector<BucketBars>& buckets, int width = 900,
                                    int height = 420);

// White background; an empty list gives an empty chart (axes only).
RgbImage renderBucketChart(const std::vector<BucketBars>& buckets, int width = 900, int height = 420);

}  // namespace cpq
