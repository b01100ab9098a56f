#pragma once
// Writes torch.save-compatible checkpoints: Python's torch.load(path) and torch.load(path,
// weights_only=True) both read them as an OrderedDict of tensors.
#include <string>

#include "checkpoint/StateDict.h"

namespace cpq {

// Atomic; the bytes depend on the input only (same StateDict -> same file). Each tensor gets its own
// contiguous CPU storage; dtypes float32/64, float16, bfloat16, int64/32/16/8, uint8 and bool.
void savePth(const std::string& path, const StateDict& sd);

// The bytes savePth writes.
std::string serializePth(const StateDict& sd);

}  // namespace cpq
