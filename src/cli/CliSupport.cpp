#include "cli/CliSupport.h"

#include <torch/cuda.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "core/Error.h"
#include "model/LoadModel.h"

namespace cpq::cli {

namespace fs = std::filesystem;

at::Device parseDevice(const std::string& name) {
  if (name == "cpu") return at::Device(at::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw Error("--device " + name + ": CUDA is not available in this build or on this machine");
    return at::Device(name);
  }
  throw Error("--device: unknown device '" + name + "' (use cpu or cuda)");
}

void writeFolderAtomically(const std::string& dir, bool overwrite,
                           const std::function<void(const std::string&)>& write) {
  if (fs::exists(dir) && !overwrite) throw fileError(dir, "already exists; pass --overwrite to replace it");
  const fs::path target = fs::absolute(dir);
  if (!target.parent_path().empty()) fs::create_directories(target.parent_path());
  const std::string tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  try {
    write(tmp);
    if (fs::exists(target)) fs::remove_all(target);
    fs::rename(tmp, target);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    throw;
  }
}

void addBootstrapOptions(CLI::App* cmd, BootstrapOptions& options) {
  cmd->add_option("--bootstrap", options.resamples,
                  "Resamples of the paired bootstrap behind the 95% intervals (100 to 100000)")
      ->capture_default_str();
  cmd->add_option("--bootstrap-seed", options.seed, "Seed of the bootstrap resamples")->capture_default_str();
}

void addWeightOptions(CLI::App* cmd, std::string& checkpoint, bool& randomInit, uint64_t& seed) {
  cmd->add_option("--checkpoint", checkpoint, "Weights (.pth or .safetensors)")->check(CLI::ExistingFile);
  cmd->add_flag("--random-init", randomInit, "Use seeded random weights instead of a checkpoint");
  cmd->add_option("--seed", seed, "Seed for --random-init")->capture_default_str();
}

void requireOneWeightSource(const std::string& command, const std::string& checkpoint, bool randomInit) {
  if (randomInit == !checkpoint.empty())
    throw Error(command + ": give exactly one of --checkpoint and --random-init");
}

CenterPoint modelFromWeightOptions(const CenterPointConfig& cfg, const std::string& checkpoint,
                                   uint64_t seed) {
  std::optional<std::string> path;
  if (!checkpoint.empty()) path = checkpoint;
  return makeCenterPoint(cfg, path, seed);
}

}  // namespace cpq::cli
