#include "ptq/PlotCanvas.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

namespace cpq {
namespace {

struct Glyph {
  char c;
  const char* rows[7];  // 5 characters each, '#' = ink
};

// clang-format off
const Glyph kGlyphs[] = {
    {'0', {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."}},
    {'1', {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'2', {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"}},
    {'3', {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."}},
    {'4', {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."}},
    {'5', {"#####", "#....", "####.", "....#", "....#", "#...#", ".###."}},
    {'6', {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."}},
    {'7', {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."}},
    {'8', {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."}},
    {'9', {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."}},
    {'A', {".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'B', {"####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."}},
    {'C', {".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."}},
    {'D', {"###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."}},
    {'E', {"#####", "#....", "#....", "####.", "#....", "#....", "#####"}},
    {'F', {"#####", "#....", "#....", "####.", "#....", "#....", "#...."}},
    {'G', {".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"}},
    {'H', {"#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"}},
    {'I', {".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."}},
    {'J', {"..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."}},
    {'K', {"#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"}},
    {'L', {"#....", "#....", "#....", "#....", "#....", "#....", "#####"}},
    {'M', {"#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"}},
    {'N', {"#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"}},
    {'O', {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'P', {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."}},
    {'Q', {".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"}},
    {'R', {"####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"}},
    {'S', {".####", "#....", "#....", ".###.", "....#", "....#", "####."}},
    {'T', {"#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."}},
    {'U', {"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."}},
    {'V', {"#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."}},
    {'W', {"#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."}},
    {'X', {"#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"}},
    {'Y', {"#...#", "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#.."}},
    {'Z', {"#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"}},
    {'.', {".....", ".....", ".....", ".....", ".....", ".##..", ".##.."}},
    {',', {".....", ".....", ".....", ".....", ".##..", "..#..", ".#..."}},
    {'-', {".....", ".....", ".....", "#####", ".....", ".....", "....."}},
    {'+', {".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."}},
    {'_', {".....", ".....", ".....", ".....", ".....", ".....", "#####"}},
    {'%', {"##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##"}},
    {'(', {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."}},
    {')', {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."}},
    {'[', {".###.", ".#...", ".#...", ".#...", ".#...", ".#...", ".###."}},
    {']', {".###.", "...#.", "...#.", "...#.", "...#.", "...#.", ".###."}},
    {':', {".....", ".##..", ".##..", ".....", ".##..", ".##..", "....."}},
    {'=', {".....", ".....", "#####", ".....", "#####", ".....", "....."}},
    {'/', {".....", "....#", "...#.", "..#..", ".#...", "#....", "....."}},
    {'<', {"...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."}},
    {'>', {".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."}},
    {'#', {".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."}},
};
// clang-format on

const Glyph* findGlyph(char c) {
  const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const Glyph& g : kGlyphs)
    if (g.c == u) return &g;
  return nullptr;
}

}  // namespace

PlotCanvas::PlotCanvas(int width, int height, PlotColour background) {
  img_.width = std::max(0, width);
  img_.height = std::max(0, height);
  img_.rgb.resize(static_cast<size_t>(img_.width) * img_.height * 3);
  for (size_t i = 0; i < img_.rgb.size(); i += 3) {
    img_.rgb[i] = background.r;
    img_.rgb[i + 1] = background.g;
    img_.rgb[i + 2] = background.b;
  }
}

PlotCanvas::PlotCanvas(RgbImage image) : img_(std::move(image)) {}

PlotColour PlotCanvas::pixel(int x, int y) const {
  if (x < 0 || y < 0 || x >= img_.width || y >= img_.height) return {};
  const uint8_t* p = &img_.rgb[3 * (static_cast<size_t>(y) * img_.width + x)];
  return {p[0], p[1], p[2]};
}

void PlotCanvas::put(int x, int y, PlotColour c) {
  if (x < 0 || y < 0 || x >= img_.width || y >= img_.height) return;
  uint8_t* p = &img_.rgb[3 * (static_cast<size_t>(y) * img_.width + x)];
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

void PlotCanvas::fillRect(int x0, int y0, int x1, int y1, PlotColour c) {
  if (x1 < x0) std::swap(x0, x1);
  if (y1 < y0) std::swap(y0, y1);
  for (int y = std::max(0, y0); y < std::min(img_.height, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(img_.width, x1); ++x) put(x, y, c);
}

void PlotCanvas::line(double x0, double y0, double x1, double y1, PlotColour c, int thickness) {
  const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))));
  const int lo = -(std::max(1, thickness) - 1) / 2, hi = lo + std::max(1, thickness);
  for (int i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / steps;
    const int x = static_cast<int>(std::lround(x0 + t * (x1 - x0)));
    const int y = static_cast<int>(std::lround(y0 + t * (y1 - y0)));
    fillRect(x + lo, y + lo, x + hi, y + hi, c);
  }
}

void PlotCanvas::blit(const RgbImage& image, int x, int y) {
  for (int r = 0; r < image.height; ++r)
    for (int col = 0; col < image.width; ++col) {
      const uint8_t* p = &image.rgb[3 * (static_cast<size_t>(r) * image.width + col)];
      put(x + col, y + r, {p[0], p[1], p[2]});
    }
}

void PlotCanvas::text(int x, int y, const std::string& s, PlotColour c, int scale) {
  scale = std::max(1, scale);
  for (size_t i = 0; i < s.size(); ++i) {
    const Glyph* g = findGlyph(s[i]);
    if (g == nullptr) continue;
    const int left = x + static_cast<int>(i) * 6 * scale;
    for (int r = 0; r < 7; ++r)
      for (int k = 0; k < 5; ++k)
        if (g->rows[r][k] == '#')
          fillRect(left + k * scale, y + r * scale, left + (k + 1) * scale, y + (r + 1) * scale, c);
  }
}

int PlotCanvas::textWidth(const std::string& s, int scale) {
  return s.empty() ? 0 : static_cast<int>(s.size()) * 6 * std::max(1, scale) - std::max(1, scale);
}

}  // namespace cpq
