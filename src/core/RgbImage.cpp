#include "core/RgbImage.h"

#include <cstdio>

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
#else
bool pngSupported() { return false; }

void writePng(const std::string& path, const RgbImage&) {
  throw fileError(path, "this build has no PNG support (libpng was not found at configure time)");
}
#endif

}  // namespace cpq
