// Calibration JSON (ptq/CalibrationFile) through applyCalibrationFile, from a file, onto TinyQuantModel.
// applyCalibrationJson converts every value before it sets any ("a bad value leaves the model untouched"),
// so the model is rebuilt only after an input that was applied: every input sees a fresh model, as its
// replay in tests/fuzz does, without paying for a model per input (most inputs are refused).
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
  static std::shared_ptr<cpq::fuzz::TinyQuantModel> model;  // libtorch wants modules in shared_ptrs
  if (!model) model = std::make_shared<cpq::fuzz::TinyQuantModel>();
  return cpq::fuzz::expectOnlyCpqErrors([&] {
    cpq::applyCalibrationFile(*model, path);
    model.reset();  // applied: the next input gets a fresh model
  });
}
