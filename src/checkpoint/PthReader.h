#pragma once
// Reads torch.save checkpoints (the zip format of torch >= 1.6) without Python: the zip through libtorch's
// PyTorchStreamReader, data.pkl through our restricted unpickler, tensor bytes from the data/<key> records.
#include <string>

#include "checkpoint/StateDict.h"

namespace cpq {

// The weights of a checkpoint: the dict under "state_dict" when the top-level dict has that key (mmengine),
// else the top-level dict itself. Entries that are not tensors are skipped; float16/bfloat16 become
// float32; every tensor is contiguous and owns its memory (views of one storage are copied apart).
// Throws cpq::Error naming path: not a zip checkpoint, legacy pre-1.6 format, TorchScript archive,
// malformed or dangerous pickle, missing/truncated storage records, or "no state_dict in checkpoint".
StateDict loadPth(const std::string& path);

}  // namespace cpq
