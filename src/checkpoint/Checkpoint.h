#pragma once
// One entry point for weights files, whatever their format.
#include <string>

#include "checkpoint/StateDict.h"

namespace cpq {

// Dispatches on content: a zip ("PK") is read as a torch.save checkpoint (loadPth), anything that looks like
// a safetensors file (or is named *.safetensors) as safetensors. Throws cpq::Error naming path when the
// file is missing, empty, truncated, or neither format.
StateDict loadCheckpoint(const std::string& path);

// Dispatches on the extension: .pth/.pt -> savePth, .safetensors -> saveSafetensors; anything else is an
// error. Atomic and deterministic either way.
void saveCheckpoint(const std::string& path, const StateDict& sd);

}  // namespace cpq
