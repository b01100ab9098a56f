#pragma once
// Where tests make their scratch folders: $TMPDIR or /tmp, in one place for every suite.
#include <cstdlib>
#include <filesystem>

namespace cpq::testing {

inline std::filesystem::path tempRoot() {
  const char* dir = std::getenv("TMPDIR");
  return std::filesystem::path(dir && *dir ? dir : "/tmp");
}

}  // namespace cpq::testing
