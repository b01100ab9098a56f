#include "core/AtomicFile.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/Error.h"

namespace cpq {

namespace fs = std::filesystem;

void writeFileAtomically(const std::string& path, const std::function<void(const std::string&)>& write) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  try {
    write(tmp);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw fileError(path, "cannot move the finished file into place: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void writeStringAtomically(const std::string& path, const std::string& content) {
  writeFileAtomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw fileError(path, std::string("cannot open for writing: ") + std::strerror(errno));
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) throw fileError(path, "write failed (disk full?)");
  });
}

void refuseToOverwrite(const std::string& path, bool overwrite) {
  if (!overwrite && fs::exists(path)) {
    throw fileError(path, "already exists; pass --overwrite to replace it");
  }
}

std::string readFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fileError(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw fileError(path, "read failed");
  return ss.str();
}

}  // namespace cpq
