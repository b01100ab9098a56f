#include "ptq/BarChart.h"

#include <algorithm>
#include <cmath>

namespace cpq {
namespace {

void fillRect(RgbImage& img, int x0, int y0, int x1, int y1, uint8_t r, uint8_t g, uint8_t b) {
  for (int y = std::max(0, std::min(y0, y1)); y < std::min(img.height, std::max(y0, y1) + 1); ++y)
    for (int x = std::max(0, x0); x < std::min(img.width, x1); ++x) {
      uint8_t* p = &img.rgb[3 * (static_cast<size_t>(y) * img.width + x)];
      p[0] = r;
      p[1] = g;
      p[2] = b;
    }
}

}  // namespace

RgbImage renderBarChart(const std::vector<double>& values, int width, int height) {
  RgbImage img;
  img.width = width;
  img.height = height;
  img.rgb.assign(static_cast<size_t>(width) * height * 3, 255);
  double maxPos = 0, maxNeg = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    maxPos = std::max(maxPos, v);
    maxNeg = std::max(maxNeg, -v);
  }
  const double span = std::max(maxPos + maxNeg, 1e-12);
  const int margin = 10;
  const int plot = height - 2 * margin;
  const int zeroY = margin + static_cast<int>(std::lround(plot * maxPos / span));
  const int n = std::max<int>(1, static_cast<int>(values.size()));
  const double slot = static_cast<double>(width - 2 * margin) / n;
  for (int i = 0; i < static_cast<int>(values.size()); ++i) {
    const double v = std::isfinite(values[i]) ? values[i] : 0.0;
    const int x0 = margin + static_cast<int>(i * slot + 0.15 * slot),
              x1 = margin + static_cast<int>((i + 1) * slot - 0.15 * slot);
    const int y = zeroY - static_cast<int>(std::lround(plot * v / span));
    if (v >= 0)
      fillRect(img, x0, y, std::max(x1, x0 + 1), zeroY, 31, 119, 180);
    else
      fillRect(img, x0, zeroY, std::max(x1, x0 + 1), y, 214, 39, 40);
  }
  fillRect(img, margin, zeroY, width - margin, zeroY, 0, 0, 0);
  return img;
}

}  // namespace cpq
