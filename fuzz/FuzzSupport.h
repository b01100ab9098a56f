#pragma once
// Shared by the libFuzzer harnesses: a per-process scratch folder for the readers that take a path, and
// the one rule every harness applies: a reader may succeed or throw cpq::Error; anything else (another
// exception type, a crash, a sanitizer report, a leak, a timeout, more than -rss_limit_mb) is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/Error.h"

namespace cpq::fuzz {

// $TMPDIR/cpq_fuzz_<pid>: one folder per fuzzer process, so parallel runs never share a file.
inline const std::filesystem::path& scratchDir() {
  static const std::filesystem::path dir = [] {
    const char* t = std::getenv("TMPDIR");
    std::filesystem::path d =
        std::filesystem::path(t && *t ? t : "/tmp") / ("cpq_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratchDir(), ec);
    });
    return d;
  }();
  return dir;
}

// Writes the input to <scratch>/<name> (replacing it) and returns the path.
inline std::string writeInput(const std::string& name, const uint8_t* data, size_t size) {
  const std::filesystem::path p = scratchDir() / name;
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) std::abort();  // the harness itself failed: not a finding in the reader
  return p.string();
}

inline void writeFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) std::abort();
}

// scripts/fuzz.sh runs each harness once with CPQ_FUZZ_WRITE_SEEDS=<dir> (from LLVMFuzzerInitialize): the
// harness writes small valid inputs made by our own writers there and exits, and they join the corpus.
template <class F>
void maybeWriteSeeds(F&& write) {
  const char* dir = std::getenv("CPQ_FUZZ_WRITE_SEEDS");
  if (!dir || !*dir) return;
  std::filesystem::create_directories(dir);
  write(std::filesystem::path(dir));
  std::exit(0);
}

// Runs the reader; cpq::Error is the documented failure, every other exception escapes to libFuzzer
// (which reports it as a crash, "deadly signal" via std::terminate).
template <class F>
int expectOnlyCpqErrors(F&& f) {
  try {
    f();
  } catch (const cpq::Error&) {
  }
  return 0;
}

}  // namespace cpq::fuzz
