#pragma once
// An 8-bit RGB image in memory and its PNG file (the BEV renderer's pictures, the sensitivity bar chart).
#include <cstdint>
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

}  // namespace cpq
