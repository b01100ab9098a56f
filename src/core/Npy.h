#pragma once
// NumPy .npy (format 1.0, little-endian, C order) for the tensors users compare against AWML's Python
// model. Written by hand: the format is a 10-byte preamble plus a Python-dict header, and no Debian C++
// package reads/writes it without pulling a numpy build in.
#include <ATen/ATen.h>

#include <string>

namespace cpq {

// Serialises a float32/float64/int32/int64/uint8/bool tensor (made contiguous on the CPU first).
std::string encodeNpy(const at::Tensor& tensor);
void writeNpy(const std::string& path, const at::Tensor& tensor);  // atomic

// Reads .npy into a CPU tensor of the stored dtype; cpq::Error naming the file on anything malformed.
at::Tensor decodeNpy(const std::string& bytes, const std::string& sourceName);
at::Tensor readNpy(const std::string& path);

}  // namespace cpq
