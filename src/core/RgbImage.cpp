#include "core/RgbImage.h"

#include <cstdio>
#include <vector>

#include "core/AtomicFile.h"
#include "core/Error.h"

#ifdef CPQ_HAVE_PNG
#include <png.h>
#endif

namespace cpq {

#ifdef CPQ_HAVE_PNG
bool pngSupported() { return true; }

void writePng(const std::string& path, const RgbImage& image) {
  writeFileAtomically(path, [&](const std::string& tmp) {
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
    png_set_IHDR(png, info, image.width, image.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int r = 0; r < image.height; ++r)
      png_write_row(png, const_cast<png_bytep>(&image.rgb[3 * static_cast<size_t>(r) * image.width]));
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    if (std::fclose(f) != 0) throw fileError(path, "cannot be written");
  });
}

void writeGrayPng(const std::string& path, int width, int height,
                  const std::function<void(int row, uint8_t* pixels)>& fillRow) {
  if (width <= 0 || height <= 0)
    throw fileError(path,
                    "cannot write an empty " + std::to_string(width) + "x" + std::to_string(height) + " PNG");
  writeFileAtomically(path, [&](const std::string& tmp) {
    std::vector<uint8_t> row(static_cast<size_t>(width));
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
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);  // masks are runs: deflate alone does well
    png_set_compression_level(png, 6);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
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
