#pragma once
// Every file format we read or write (.npy, .pcd.bin, safetensors, .pth storages) is little-endian.
#include <cstdint>
#include <cstring>

namespace cpq {

inline bool hostIsLittleEndian() {
  const uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

}  // namespace cpq
