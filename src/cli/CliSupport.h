#pragma once
// Small pieces shared by the subcommands: device selection and writing a folder of results atomically.
#include <ATen/ATen.h>

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "config/CenterPointConfig.h"
#include "dataset/DetectionDataset.h"
#include "eval/PairedBootstrap.h"
#include "infer/DatasetInference.h"
#include "model/CenterPoint.h"

namespace cpq::cli {

// "cpu" or "cuda" (or "cuda:N"); cpq::Error when CUDA is asked for but this build or machine has none.
at::Device parseDevice(const std::string& name);

// Writes into a temporary sibling folder and renames it to dir when write() succeeds, so a failed command
// leaves no partial folder. An existing dir is refused unless overwrite, then replaced.
void writeFolderAtomically(const std::string& dir, bool overwrite,
                           const std::function<void(const std::string&)>& write);

// --checkpoint / --random-init / --seed: the weight source of every command that runs the model.
// --bootstrap N (resamples of the paired confidence intervals) and --bootstrap-seed S.
void addBootstrapOptions(CLI::App* cmd, BootstrapOptions& options);

void addWeightOptions(CLI::App* cmd, std::string& checkpoint, bool& randomInit, uint64_t& seed);

// Exactly one weight source; cpq::Error naming the command otherwise (checked before any work).
void requireOneWeightSource(const std::string& command, const std::string& checkpoint, bool randomInit);

// The model from the checkpoint when one is given, else seeded random weights; eval mode, CPU.
CenterPoint modelFromWeightOptions(const CenterPointConfig& cfg, const std::string& checkpoint,
                                   uint64_t seed);

}  // namespace cpq::cli
