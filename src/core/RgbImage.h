#pragma once
// An 8-bit RGB image in memory and its PNG file (the BEV renderer's pictures, the sensitivity bar chart), and
// 8-bit grayscale PNGs (the synthetic datasets' map masks), written row by row so that a large one needs no
// full image in memory.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cpq {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes per pixel
};

// Whether writePng can work in this build (libpng found at configure time).
bool pngSupported();

// Writes an 8-bit RGB PNG atomically; cpq::Error naming the file on failure or without libpng.
void writePng(const std::string& path, const RgbImage& image);

struct GrayImage {
  int width = 0, height = 0;
  std::vector<uint8_t> gray;  // row-major, 1 byte per pixel
};

// Writes an 8-bit grayscale PNG atomically, rows top to bottom: fillRow(r, pixels) fills the width bytes of
// row r. No filter and a fixed zlib level, so the bytes depend only on the pixels and the zlib build.
// cpq::Error naming the file on failure or without libpng.
void writeGrayPng(const std::string& path, int width, int height,
                  const std::function<void(int row, uint8_t* pixels)>& fillRow);

// Reads an 8-bit grayscale PNG (bit depth 8, no alpha); cpq::Error naming the file otherwise.
GrayImage readGrayPng(const std::string& path);

}  // namespace cpq
