#include "core/Fingerprint.h"

#include <fmt/format.h>

#include <cstdint>

#include "core/AtomicFile.h"

namespace cpq {

std::string fnv1aHex(const std::string& bytes) {
  uint64_t h = 14695981039346656037ull;  // the FNV-1a 64 offset basis (0xcbf29ce484222325)
  for (unsigned char ch : bytes) h = (h ^ ch) * 1099511628211ull;
  return fmt::format("{:016x}", h);
}

std::string fileFingerprint(const std::string& path) { return fnv1aHex(readFileToString(path)); }

}  // namespace cpq
