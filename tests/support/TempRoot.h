#pragma once
// Where tests make their scratch folders: $TMPDIR or /tmp. Not std::filesystem::temp_directory_path():
// with PyTorch 2.11's CUDA libtorch that call crashed every test using it on the GPU machine (the wheel
// carries its own copy of parts of libstdc++), while the rest of std::filesystem worked.
#include <cstdlib>
#include <filesystem>

namespace cpq::testing {

inline std::filesystem::path tempRoot() {
  const char* dir = std::getenv("TMPDIR");
  return std::filesystem::path(dir && *dir ? dir : "/tmp");
}

}  // namespace cpq::testing
