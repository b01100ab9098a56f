// Model config YAML through parseConfig (what loadConfig does after reading the file). Seeds: configs/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzSupport.h"
#include "config/CenterPointConfig.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // A few small documents beside configs/*.yaml: the smallest keys, wrong types, anchors and aliases.
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    cpq::fuzz::writeFile(dir / "empty.yaml", "");
    cpq::fuzz::writeFile(dir / "types.yaml",
                         "model:\n  pts_voxel_encoder: [1, 2]\npoint_cloud_range: {a: 1}\n");
    cpq::fuzz::writeFile(dir / "alias.yaml",
                         "base: &b\n  x: [0.2, 0.2, 8.0]\nvoxel_size: *b\nclass_names: [car, ~]\n");
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return cpq::fuzz::expectOnlyCpqErrors([&] { (void)cpq::parseConfig(text, "fuzz.yaml"); });
}
