#pragma once
// Small pieces shared by the subcommands: device selection and writing a folder of results atomically.
#include <ATen/ATen.h>

#include <functional>
#include <string>

namespace cpq::cli {

// "cpu" or "cuda" (or "cuda:N"); cpq::Error when CUDA is asked for but this build or machine has none.
at::Device parseDevice(const std::string& name);

// Writes into a temporary sibling folder and renames it to dir when write() succeeds, so a failed command
// leaves no partial folder. An existing dir is refused unless overwrite, then replaced.
void writeFolderAtomically(const std::string& dir, bool overwrite,
                           const std::function<void(const std::string&)>& write);

}  // namespace cpq::cli
