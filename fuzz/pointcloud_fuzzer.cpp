// .pcd.bin point clouds through readPcdBin, from a file. The input's first byte picks the column count
// (4 + byte % 5, so 4..8), the rest is the file.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "FuzzSupport.h"
#include "preprocess/PointCloud.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // the dropped-points warning of every input with a NaN
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    for (int columns = 4; columns <= 6; ++columns) {
      std::vector<float> rows;
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < columns; ++c) rows.push_back(static_cast<float>(r * 10 + c) - 5.5f);
      if (columns == 5) rows[1] = std::numeric_limits<float>::quiet_NaN();
      std::string bytes(1, static_cast<char>(columns - 4));
      bytes.append(reinterpret_cast<const char*>(rows.data()), rows.size() * sizeof(float));
      cpq::fuzz::writeFile(dir / ("rows_" + std::to_string(columns) + ".bin"), bytes);
    }
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int64_t columns = 4 + data[0] % 5;
  const std::string path = cpq::fuzz::writeInput("input.pcd.bin", data + 1, size - 1);
  return cpq::fuzz::expectOnlyCpqErrors([&] {
    const cpq::PointCloud cloud = cpq::readPcdBin(path, columns, 0.5f);
    if (cloud.points.dim() != 2 || cloud.points.size(1) != 5) __builtin_trap();
  });
}
