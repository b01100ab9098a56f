#include "preprocess/PointCloud.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {

// `.pcd.bin` files are little-endian float32; the rows are copied byte for byte, so the host must match.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "readPcdBin/writePcdBin assume a little-endian host");

namespace {

constexpr int64_t kOutColumns = 5;   // x, y, z, intensity, time_lag
constexpr int64_t kKeptColumns = 4;  // x, y, z, intensity are copied; the time lag replaces the rest

// The whole file as float32 values, after checking that it holds a whole number of rows.
std::vector<float> readRows(const std::string& path, int64_t columns) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fileError(path, std::string("cannot open: ") + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff bytes = in.tellg();
  in.seekg(0, std::ios::beg);
  if (bytes < 0) throw fileError(path, "cannot determine the file size");
  const int64_t rowBytes = columns * static_cast<int64_t>(sizeof(float));
  if (bytes % rowBytes != 0) {
    throw fileError(path, "truncated or corrupt point file: " + std::to_string(bytes) +
                              " bytes is not a multiple of " + std::to_string(rowBytes));
  }
  std::vector<float> values(static_cast<size_t>(bytes) / sizeof(float));
  if (!values.empty() && !in.read(reinterpret_cast<char*>(values.data()), bytes)) {
    throw fileError(path, "read failed");
  }
  return values;
}

bool rowIsFinite(const float* row) {
  for (int64_t c = 0; c < kKeptColumns; ++c) {
    if (!std::isfinite(row[c])) return false;
  }
  return true;
}

}  // namespace

PointCloud readPcdBin(const std::string& path, int64_t columns, float timeLag) {
  if (columns < kKeptColumns) {
    throw Error("a point file row needs at least 4 columns (x, y, z, intensity), got " +
                std::to_string(columns));
  }
  const std::vector<float> values = readRows(path, columns);
  const int64_t rows = static_cast<int64_t>(values.size()) / columns;

  at::Tensor out = at::empty({rows, kOutColumns}, at::kFloat);
  float* dst = out.data_ptr<float>();
  int64_t kept = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = values.data() + r * columns;
    if (!rowIsFinite(src)) continue;
    float* row = dst + kept * kOutColumns;
    std::memcpy(row, src, kKeptColumns * sizeof(float));
    row[kKeptColumns] = timeLag;  // never the ring index (docs/model.md)
    ++kept;
  }

  PointCloud cloud;
  cloud.droppedNonFinite = rows - kept;
  cloud.points = kept == rows ? out : out.slice(0, 0, kept).clone();
  if (cloud.droppedNonFinite > 0) {
    spdlog::warn("{}: dropped {} of {} points with a NaN or Inf coordinate or intensity", path,
                 cloud.droppedNonFinite, rows);
  }
  return cloud;
}

at::Tensor selectPointFeatures(const at::Tensor& points5, bool useIntensity) {
  if (points5.dim() != 2 || points5.size(1) != kOutColumns) {
    throw std::invalid_argument("selectPointFeatures expects [N, 5] points (x, y, z, intensity, time_lag)");
  }
  const at::Tensor points = points5.to(at::kFloat);
  if (useIntensity) return points.contiguous().clone();
  return at::cat({points.slice(1, 0, 3), points.slice(1, 4, 5)}, 1).contiguous();
}

void writePcdBin(const std::string& path, const at::Tensor& points) {
  if (points.dim() != 2) throw std::invalid_argument("writePcdBin expects a 2-D [N, C] tensor");
  const at::Tensor rows = points.to(at::kCPU, at::kFloat).contiguous();
  const char* bytes = reinterpret_cast<const char*>(rows.data_ptr<float>());
  const size_t size = static_cast<size_t>(rows.numel()) * sizeof(float);
  writeStringAtomically(path, std::string(bytes, size));
}

}  // namespace cpq
