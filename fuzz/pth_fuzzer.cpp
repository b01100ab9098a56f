// torch.save checkpoints (zip + pickle + storage records) through loadPth, from a file.
#include <cstddef>
#include <cstdint>

#include "FuzzSupport.h"
#include "SeedTensors.h"
#include "checkpoint/PthReader.h"
#include "checkpoint/PthWriter.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    for (int i = 0; i < 3; ++i)
      cpq::fuzz::writeFile(dir / ("cpq_" + std::to_string(i) + ".pth"),
                           cpq::serializePth(cpq::fuzz::seedStateDict(i)));
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = cpq::fuzz::writeInput("input.pth", data, size);
  return cpq::fuzz::expectOnlyCpqErrors([&] { (void)cpq::loadPth(path); });
}
