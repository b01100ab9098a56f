#pragma once
// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets"}},
// then the raw little-endian tensor bytes. Nothing in it is executable, so it is the safe exchange format.
#include <map>
#include <string>

#include "checkpoint/StateDict.h"

namespace cpq {

// Tensors in the order of their data offsets (our writer's insertion order). F16/BF16 become float32;
// F32/F64/I64/I32/I16/I8/U8/BOOL keep their dtype. Throws cpq::Error naming path on any inconsistency
// (header length, JSON, unknown dtype, offsets out of bounds, not matching dtype*shape, or overlapping).
StateDict loadSafetensors(const std::string& path);

// Same as loadSafetensors, from bytes already in memory; source names them in errors.
StateDict parseSafetensors(const std::string& bytes, const std::string& source);

// Writes atomically; the bytes depend on the input only (header in insertion order, padded with spaces to
// a multiple of 8, data in insertion order). Float16 and bfloat16 tensors are written as F16/BF16.
void saveSafetensors(const std::string& path, const StateDict& sd,
                     const std::map<std::string, std::string>& metadata = {});

// The bytes saveSafetensors writes.
std::string serializeSafetensors(const StateDict& sd,
                                 const std::map<std::string, std::string>& metadata = {});

}  // namespace cpq
