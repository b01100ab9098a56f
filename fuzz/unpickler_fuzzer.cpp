// The restricted unpickler alone, on the input as a data.pkl.
#include <caffe2/serialize/inline_container.h>

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "FuzzSupport.h"
#include "SeedTensors.h"
#include "checkpoint/PthWriter.h"
#include "checkpoint/Unpickler.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    for (int i = 0; i < 3; ++i) {
      std::istringstream zip(cpq::serializePth(cpq::fuzz::seedStateDict(i)));
      caffe2::serialize::PyTorchStreamReader reader(&zip);
      auto rec = reader.getRecord("data.pkl");
      cpq::fuzz::writeFile(dir / ("cpq_" + std::to_string(i) + ".pkl"),
                           std::string(static_cast<const char*>(std::get<0>(rec).get()), std::get<1>(rec)));
    }
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string pkl(reinterpret_cast<const char*>(data), size);
  return cpq::fuzz::expectOnlyCpqErrors([&] {
    const cpq::PickleTree tree = cpq::unpickle(pkl, "fuzz.pkl");
    // What PthReader reads from the tree: the root, a nested state_dict, every entry's description.
    const cpq::PickleValue& root = tree.root();
    (void)tree.get(root, "state_dict");
    for (size_t id : root.items) (void)tree.describe(tree[id]);
  });
}
