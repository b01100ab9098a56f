#pragma once
// The pytorch-quantization 2.1.2 goldens in tests/data/calibration (its own outputs; README.md there).
#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "core/Npy.h"

namespace cpq::testing {

inline std::string calibrationDir() { return std::string(CPQ_TEST_DATA_DIR) + "/calibration"; }

inline const nlohmann::json& calibrationGoldens() {
  static const nlohmann::json goldens = [] {
    std::ifstream in(calibrationDir() + "/expected.json");
    return nlohmann::json::parse(in);
  }();
  return goldens;
}

// The case's batches in feeding order.
inline std::vector<at::Tensor> calibrationBatches(const std::string& name) {
  const int batches = calibrationGoldens()["cases"][name]["batches"].get<int>();
  std::vector<at::Tensor> out;
  for (int k = 0; k < batches; ++k) {
    out.push_back(readNpy(calibrationDir() + "/" + name + "_batch" + std::to_string(k) + ".npy"));
  }
  return out;
}

inline at::Tensor jsonTensor(const nlohmann::json& values) {
  return at::tensor(values.get<std::vector<float>>());
}

}  // namespace cpq::testing
