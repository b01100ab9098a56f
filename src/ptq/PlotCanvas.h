#pragma once
// Drawing on an RgbImage for the report figures: rectangles, lines of a given thickness and text in a
// built-in 5x7 pixel font (there is no font library). The font has the digits, the letters (lowercase is
// drawn as uppercase), space and . , - + _ % ( ) : = / < > [ ] #; any other character is drawn as a blank.
// Coordinates are pixels, x to the right and y down, (0, 0) the top-left pixel; whatever falls outside
// the image is clipped.
#include <cstdint>
#include <string>
#include <utility>

#include "core/RgbImage.h"

namespace cpq {

struct PlotColour {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const PlotColour& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const PlotColour& o) const { return !(*this == o); }
};

class PlotCanvas {
 public:
  // A width x height image filled with `background`.
  PlotCanvas(int width, int height, PlotColour background);
  // Draws on an existing image (taken over; image() / release() give it back).
  explicit PlotCanvas(RgbImage image);

  int width() const { return img_.width; }
  int height() const { return img_.height; }
  PlotColour pixel(int x, int y) const;  // (0, 0, 0) outside the image

  void put(int x, int y, PlotColour c);
  // Every pixel with x0 <= x < x1 and y0 <= y < y1 (the corners may come in either order).
  void fillRect(int x0, int y0, int x1, int y1, PlotColour c);
  // A straight line through the pixel centres from (x0, y0) to (x1, y1), both ends included, `thickness`
  // pixels wide (a square brush centred on the line).
  void line(double x0, double y0, double x1, double y1, PlotColour c, int thickness = 1);
  // Copies `image` with its top-left corner at (x, y).
  void blit(const RgbImage& image, int x, int y);

  // Text with its top-left corner at (x, y); each character is a 6 x 9 cell times `scale` (5 x 7 glyph
  // pixels, one column and two rows of spacing).
  void text(int x, int y, const std::string& s, PlotColour c, int scale = 1);
  static int textWidth(const std::string& s, int scale = 1);
  static int textHeight(int scale = 1) { return 9 * scale; }

  const RgbImage& image() const { return img_; }
  RgbImage release() { return std::move(img_); }

 private:
  RgbImage img_;
};

}  // namespace cpq
