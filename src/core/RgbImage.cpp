#include "core/RgbImage.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include "core/AtomicFile.h"
#include "core/Error.h"

#ifdef CPQ_HAVE_PNG
#include <png.h>
#endif

namespace cpq {

#ifdef CPQ_HAVE_PNG
bool pngSupported() { return true; }

namespace {

// One 8-bit PNG written row by row through writeFileAtomically; runFilter false: no row filter and
// deflate level 6 (masks are long runs, for which deflate alone does well).
void writePngRows(const std::string& path, int width, int height, int colorType, size_t rowBytes,
                  bool runFilter, const std::function<void(int row, uint8_t* pixels)>& fillRow) {
  writeFileAtomically(path, [&](const std::string& tmp) {
    std::vector<uint8_t> row(rowBytes);
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw fileError(tmp, "cannot be opened for writing");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
      png_destroy_write_struct(&png, &info);
      std::fclose(f);
      throw fileError(path, "PNG encoding failed");
    }
    png_init_io(png, f);
    if (!runFilter) {
      png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
      png_set_compression_level(png, 6);
    }
    png_set_IHDR(png, info, width, height, 8, colorType, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    try {
      for (int r = 0; r < height; ++r) {
        fillRow(r, row.data());
        png_write_row(png, row.data());
      }
    } catch (...) {
      png_destroy_write_struct(&png, &info);
      std::fclose(f);
      throw;
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fclose(f) != 0) throw fileError(path, "cannot be written");
  });
}

}  // namespace

void writePng(const std::string& path, const RgbImage& image) {
  const size_t rowBytes = 3 * static_cast<size_t>(image.width);
  writePngRows(path, image.width, image.height, PNG_COLOR_TYPE_RGB, rowBytes, /*runFilter=*/true,
               [&](int r, uint8_t* pixels) {
                 std::memcpy(pixels, &image.rgb[rowBytes * static_cast<size_t>(r)], rowBytes);
               });
}

void writeGrayPng(const std::string& path, int width, int height,
                  const std::function<void(int row, uint8_t* pixels)>& fillRow) {
  if (width <= 0 || height <= 0)
    throw fileError(path,
                    "cannot write an empty " + std::to_string(width) + "x" + std::to_string(height) + " PNG");
  writePngRows(path, width, height, PNG_COLOR_TYPE_GRAY, static_cast<size_t>(width), /*runFilter=*/false,
               fillRow);
}

GrayImage readGrayPng(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw fileError(path, "cannot be opened for reading");
  GrayImage image;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(f);
    throw fileError(path, "is not a readable PNG");
  }
  png_init_io(png, f);
  png_read_info(png, info);
  if (png_get_color_type(png, info) != PNG_COLOR_TYPE_GRAY || png_get_bit_depth(png, info) != 8) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(f);
    throw fileError(path, "is not an 8-bit grayscale PNG");
  }
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  image.width = static_cast<int>(png_get_image_width(png, info));
  image.height = static_cast<int>(png_get_image_height(png, info));
  image.gray.assign(static_cast<size_t>(image.width) * image.height, 0);
  for (int pass = 0; pass < passes; ++pass)
    for (int r = 0; r < image.height; ++r)
      png_read_row(png, &image.gray[static_cast<size_t>(r) * image.width], nullptr);
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(f);
  return image;
}
#else
bool pngSupported() { return false; }

void writePng(const std::string& path, const RgbImage&) {
  throw fileError(path, "this build has no PNG support (libpng was not found at configure time)");
}

void writeGrayPng(const std::string& path, int, int, const std::function<void(int, uint8_t*)>&) {
  throw fileError(path, "this build has no PNG support (libpng was not found at configure time)");
}

GrayImage readGrayPng(const std::string& path) {
  throw fileError(path, "this build has no PNG support (libpng was not found at configure time)");
}
#endif

}  // namespace cpq
