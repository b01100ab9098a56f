#pragma once
// FNV-1a 64-bit of bytes, as 16 hex digits: a fingerprint that ties a run to the exact files it started
// from (config, base checkpoint, calibration file). Not a security hash; written by hand because no hash
// library is among our dependencies.
#include <string>

namespace cpq {

std::string fnv1aHex(const std::string& bytes);
// Of a file's content; cpq::Error naming the file when it cannot be read.
std::string fileFingerprint(const std::string& path);

}  // namespace cpq
