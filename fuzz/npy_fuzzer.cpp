// .npy through readNpy, from a file.
#include <cstddef>
#include <cstdint>

#include "FuzzSupport.h"
#include "core/Npy.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    const at::Tensor tensors[] = {at::arange(6, at::kFloat).reshape({2, 3}),
                                  at::tensor({1, 0}, at::kByte).to(at::kBool),
                                  at::arange(3, at::kLong),
                                  at::arange(4, at::kHalf).reshape({1, 2, 2}),
                                  at::tensor(2.5, at::kDouble),
                                  at::empty({0, 4}, at::kInt),
                                  at::arange(5, at::kByte)};
    int i = 0;
    for (const at::Tensor& t : tensors)
      cpq::fuzz::writeFile(dir / ("cpq_" + std::to_string(i++) + ".npy"), cpq::encodeNpy(t));
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = cpq::fuzz::writeInput("input.npy", data, size);
  return cpq::fuzz::expectOnlyCpqErrors([&] { (void)cpq::readNpy(path); });
}
