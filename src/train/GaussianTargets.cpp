#include "train/GaussianTargets.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cpq {

float gaussianRadius(float height, float width, float minOverlap) {
  const float sum = height + width, area = width * height;
  // Both corners inside the GT box.
  const float b1 = sum;
  const float c1 = area * (1.0f - minOverlap) / (1.0f + minOverlap);
  const float r1 = (b1 + std::sqrt(b1 * b1 - 4.0f * c1)) / 2.0f;
  // Both corners outside.
  const float a2 = 4.0f, b2 = 2.0f * sum, c2 = (1.0f - minOverlap) * area;
  const float r2 = (b2 + std::sqrt(b2 * b2 - 4.0f * a2 * c2)) / 2.0f;
  // One inside, one outside.
  const float a3 = 4.0f * minOverlap, b3 = -2.0f * minOverlap * sum, c3 = (minOverlap - 1.0f) * area;
  const float r3 = (b3 + std::sqrt(b3 * b3 - 4.0f * a3 * c3)) / 2.0f;
  return std::min({r1, r2, r3});
}

int heatmapRadius(float lengthCells, float widthCells, float minOverlap, int minRadius) {
  // int() of a positive float truncates, as Python's int(tensor) does.
  return std::max(minRadius, static_cast<int>(gaussianRadius(lengthCells, widthCells, minOverlap)));
}

namespace {

// gaussian_2d((d, d), sigma = d / 6) in double (numpy), with values below eps * max set to 0, then
// rounded to float32 as mmdet3d's torch.from_numpy(...).to(float32).
std::vector<float> gaussianKernel(int radius) {
  const int d = 2 * radius + 1;
  const double sigma = d / 6.0;
  std::vector<double> h(static_cast<std::size_t>(d) * d);
  double peak = 0;
  for (int y = -radius; y <= radius; ++y) {
    for (int x = -radius; x <= radius; ++x) {
      const double v = std::exp(-(x * x + y * y) / (2 * sigma * sigma));
      h[static_cast<std::size_t>((y + radius) * d + x + radius)] = v;
      peak = std::max(peak, v);
    }
  }
  std::vector<float> out(h.size());
  const double floor = std::numeric_limits<double>::epsilon() * peak;
  for (std::size_t i = 0; i < h.size(); ++i) out[i] = h[i] < floor ? 0.0f : static_cast<float>(h[i]);
  return out;
}

}  // namespace

void drawHeatmapGaussian(at::Tensor& heatmap, int64_t x, int64_t y, int radius) {
  const int64_t height = heatmap.size(0), width = heatmap.size(1);
  const std::vector<float> kernel = gaussianKernel(radius);
  const int64_t d = 2 * radius + 1;
  const int64_t left = std::min<int64_t>(x, radius), right = std::min<int64_t>(width - x, radius + 1);
  const int64_t top = std::min<int64_t>(y, radius), bottom = std::min<int64_t>(height - y, radius + 1);
  float* map = heatmap.data_ptr<float>();
  for (int64_t dy = -top; dy < bottom; ++dy) {
    for (int64_t dx = -left; dx < right; ++dx) {
      float& cell = map[(y + dy) * width + x + dx];
      cell = std::max(cell, kernel[static_cast<std::size_t>((dy + radius) * d + dx + radius)]);
    }
  }
}

}  // namespace cpq
