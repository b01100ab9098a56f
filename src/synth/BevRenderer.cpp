#include "synth/BevRenderer.h"

#include <algorithm>
#include <cmath>

#include "core/Error.h"

namespace cpq {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

class Canvas {
 public:
  Canvas(RgbImage& img, const BevView& v)
      : img_(img), scale_(v.pixels / (2.0 * v.range)), half_(v.pixels / 2.0) {}

  // Lidar x forward = image up, y left = image left.
  void toPixel(double x, double y, double& col, double& row) const {
    col = half_ - y * scale_;
    row = half_ - x * scale_;
  }

  void put(int col, int row, Rgb c) {
    if (col < 0 || row < 0 || col >= img_.width || row >= img_.height) return;
    uint8_t* p = &img_.rgb[3 * (static_cast<size_t>(row) * img_.width + col)];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  }

  void line(double x0, double y0, double x1, double y1, Rgb c) {
    double c0, r0, c1, r1;
    toPixel(x0, y0, c0, r0);
    toPixel(x1, y1, c1, r1);
    const int steps =
        std::max(1, static_cast<int>(std::ceil(std::max(std::abs(c1 - c0), std::abs(r1 - r0)))));
    for (int i = 0; i <= steps; ++i) {
      const double t = static_cast<double>(i) / steps;
      put(static_cast<int>(std::lround(c0 + t * (c1 - c0))),
          static_cast<int>(std::lround(r0 + t * (r1 - r0))), c);
    }
  }

  void box(const BevBox& b, Rgb c) {
    const double cs = std::cos(b.yaw), sn = std::sin(b.yaw), hl = b.length / 2, hw = b.width / 2;
    double px[4], py[4];
    const double lx[4] = {hl, hl, -hl, -hl}, ly[4] = {hw, -hw, -hw, hw};
    for (int k = 0; k < 4; ++k) {
      px[k] = b.x + cs * lx[k] - sn * ly[k];
      py[k] = b.y + sn * lx[k] + cs * ly[k];
    }
    for (int k = 0; k < 4; ++k) line(px[k], py[k], px[(k + 1) % 4], py[(k + 1) % 4], c);
    line(b.x, b.y, b.x + cs * hl, b.y + sn * hl, c);
  }

 private:
  RgbImage& img_;
  double scale_, half_;
};

// Dark blue (ground) to white (tall things): height above an assumed ground 1.8 m below the sensor.
Rgb heightColour(float z) {
  const float t = std::clamp((z + 1.8f) / 3.0f, 0.0f, 1.0f);
  return {static_cast<uint8_t>(60 + 195 * t), static_cast<uint8_t>(70 + 185 * t),
          static_cast<uint8_t>(120 + 135 * t)};
}

}  // namespace

RgbImage renderBev(const float* points, int64_t count, int stride, const std::vector<BevBox>& gt,
                   const std::vector<BevBox>& predictions, const BevView& view) {
  RgbImage img;
  img.width = img.height = view.pixels;
  img.rgb.assign(static_cast<size_t>(img.width) * img.height * 3, 0);
  Canvas canvas(img, view);
  for (int64_t i = 0; i < count; ++i) {
    const float* p = points + i * stride;
    double col, row;
    canvas.toPixel(p[0], p[1], col, row);
    canvas.put(static_cast<int>(col), static_cast<int>(row), heightColour(p[2]));
  }
  canvas.line(0, 0, 2.0, 0, {255, 60, 60});  // the sensor and its forward axis
  for (const BevBox& b : gt) canvas.box(b, {40, 230, 60});
  for (const BevBox& b : predictions) canvas.box(b, {255, 150, 20});
  return img;
}

}  // namespace cpq
