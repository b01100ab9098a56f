// TensorRT calibration cache text through parseTensorRtCalibrationCache.
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzSupport.h"
#include "export/TensorRtCalibrationCache.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    cpq::fuzz::writeFile(
        dir / "cache_0.txt",
        cpq::tensorRtCalibrationCache({{"input_features", 12.5}, {"onnx::Conv_7", 0.0}, {"x", 1e-30}}));
    cpq::fuzz::writeFile(dir / "cache_1.txt", "TRT-8501-EntropyCalibration2\n\nspatial_features: 3c010204\n");
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return cpq::fuzz::expectOnlyCpqErrors(
      [&] { (void)cpq::parseTensorRtCalibrationCache(text, "fuzz.cache"); });
}
