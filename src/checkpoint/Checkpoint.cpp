#include "checkpoint/Checkpoint.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "checkpoint/PthReader.h"
#include "checkpoint/PthWriter.h"
#include "checkpoint/Safetensors.h"
#include "core/Error.h"

namespace cpq {

namespace {

std::string lowerExtension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

}  // namespace

StateDict loadCheckpoint(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw fileError(path, "no such file");
  if (std::filesystem::is_directory(path, ec)) throw fileError(path, "is a directory, not a checkpoint file");
  unsigned char head[9] = {};
  std::streamsize got = 0;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw fileError(path, std::string("cannot open: ") + std::strerror(errno));
    in.read(reinterpret_cast<char*>(head), sizeof head);
    got = in.gcount();
  }
  if (got == 0) throw fileError(path, "file is empty");
  // Zip local-file or end-of-archive signature (all 4 bytes, so a safetensors header length cannot pass).
  const bool zip = got >= 4 && head[0] == 'P' && head[1] == 'K' &&
                   ((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6));
  if (zip) return loadPth(path);
  if (head[0] == 0x80)
    return loadPth(path);  // a pickle: the legacy torch.save format, which loadPth explains
  // safetensors: 8-byte little-endian header length followed by '{'.
  const bool looksSafetensors = got == 9 && head[8] == '{';
  if (looksSafetensors || lowerExtension(path) == ".safetensors") return loadSafetensors(path);
  if (got < 9 && (lowerExtension(path) == ".pth" || lowerExtension(path) == ".pt")) {
    throw fileError(path, "too short to be a checkpoint (truncated?)");
  }
  throw fileError(path, "neither a PyTorch checkpoint (torch.save zip) nor a safetensors file");
}

void saveCheckpoint(const std::string& path, const StateDict& sd) {
  const std::string ext = lowerExtension(path);
  if (ext == ".pth" || ext == ".pt") {
    savePth(path, sd);
  } else if (ext == ".safetensors") {
    saveSafetensors(path, sd);
  } else {
    throw fileError(path, "unknown checkpoint extension '" + ext + "'; use .pth, .pt or .safetensors");
  }
}

}  // namespace cpq
