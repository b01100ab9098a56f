// Calibration JSON (ptq/CalibrationFile) through applyCalibrationFile, from a file, onto TinyQuantModel,
// rebuilt for every input so that one input's amax cannot change what the next one sees.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "FuzzSupport.h"
#include "TinyQuantModel.h"
#include "ptq/CalibrationFile.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    cpq::fuzz::writeFile(dir / "tiny.calib.json", cpq::fuzz::tinyCalibrationJson());
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = cpq::fuzz::writeInput("input.calib.json", data, size);
  const auto model = std::make_shared<cpq::fuzz::TinyQuantModel>();  // libtorch wants modules in shared_ptrs
  return cpq::fuzz::expectOnlyCpqErrors([&] { cpq::applyCalibrationFile(*model, path); });
}
