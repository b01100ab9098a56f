#pragma once
// One error type for everything a user can get wrong (bad files, bad configs, bad flags). The CLI prints
// its message alone (no trace) and exits non-zero; internal bugs stay std::logic_error / c10::Error.
#include <stdexcept>
#include <string>

namespace cpq {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "path: problem" — every message about a file names the file first.
inline Error fileError(const std::string& path, const std::string& problem) {
  return Error(path + ": " + problem);
}

}  // namespace cpq
