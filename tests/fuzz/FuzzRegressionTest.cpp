// Replays the fuzzers' findings (tests/data/fuzz/<target>/, each an input that once crashed, leaked, ran
// out of memory or time in fuzz/<target>_fuzzer.cpp) and the seeds they started from, through the same
// readers and the normal library API: every input must either succeed or throw cpq::Error. A crash, a
// sanitizer report (scripts/sanitize.sh) or any other exception type fails the suite.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "../../fuzz/TinyQuantModel.h"
#include "../../fuzz/tables_seed.h"
#include "checkpoint/PthReader.h"
#include "checkpoint/Safetensors.h"
#include "checkpoint/Unpickler.h"
#include "config/CenterPointConfig.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/Npy.h"
#include "dataset/NuScenesTables.h"
#include "export/TensorRtCalibrationCache.h"
#include "preprocess/PointCloud.h"
#include "ptq/CalibrationFile.h"
#include "support/TempRoot.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

const fs::path kData = CPQ_TEST_DATA_DIR;

std::vector<fs::path> filesIn(const fs::path& dir, const std::string& extension = "") {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && (extension.empty() || e.path().extension() == extension))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The kept findings of one fuzzer.
std::vector<fs::path> findings(const std::string& target) { return filesIn(kData / "fuzz" / target); }

// Runs one input: success and cpq::Error pass; another exception fails with the input's name (a crash
// ends the binary, which fails the suite).
template <class F>
void expectSuccessOrCpqError(const fs::path& input, F&& read) {
  SCOPED_TRACE(input.string());
  try {
    read();
  } catch (const Error&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << input << ": not a cpq::Error: " << e.what();
  }
}

class Scratch {
 public:
  Scratch() : dir_(testing::tempRoot() / ("cpq_fuzz_replay_" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

TEST(FuzzRegression, Pth) {
  auto inputs = findings("pth");
  for (const auto& f : filesIn(kData / "checkpoint", ".pth")) inputs.push_back(f);
  for (const auto& f : inputs) expectSuccessOrCpqError(f, [&] { loadPth(f.string()); });
}

TEST(FuzzRegression, PthZipsLibtorchsReaderWouldRefuseAreRefusedBeforeIt) {
  // Found by pth_fuzzer (leaks): libtorch 1.13's PyTorchStreamReader leaks its zip state when its
  // constructor throws, e.g. on a zip without a version record or with an "encrypted" one; loadPth now
  // refuses those first.
  const std::pair<const char*, const char*> cases[] = {
      {"leak_zip_without_version_record.pth", "no version record"},
      {"leak_encrypted_version_record.pth", "the version record is not a short stored record"}};
  for (const auto& [name, message] : cases) {
    const fs::path f = kData / "fuzz" / "pth" / name;
    try {
      loadPth(f.string());
      ADD_FAILURE() << name << ": loaded";
    } catch (const Error& e) {
      EXPECT_NE(
          std::string(e.what()).find(f.string() + ": not a readable PyTorch zip checkpoint: " + message),
          std::string::npos)
          << e.what();
    }
  }
}

TEST(FuzzRegression, Unpickler) {
  for (const auto& f : findings("unpickler"))
    expectSuccessOrCpqError(f, [&] { unpickle(readFileToString(f.string()), f.string()); });
}

TEST(FuzzRegression, Safetensors) {
  auto inputs = findings("safetensors");
  for (const auto& f : filesIn(kData / "checkpoint", ".safetensors")) inputs.push_back(f);
  for (const auto& f : inputs) expectSuccessOrCpqError(f, [&] { loadSafetensors(f.string()); });
}

TEST(FuzzRegression, Npy) {
  auto inputs = findings("npy");
  for (const auto& f : filesIn(kData / "calibration", ".npy")) inputs.push_back(f);
  for (const auto& f : inputs) expectSuccessOrCpqError(f, [&] { readNpy(f.string()); });
}

TEST(FuzzRegression, PointCloud) {
  // As in pointcloud_fuzzer: the first byte picks the column count (4 + byte % 5), the rest is the file.
  Scratch scratch;
  for (const auto& f : findings("pointcloud")) {
    const std::string bytes = readFileToString(f.string());
    if (bytes.empty()) continue;
    const fs::path file = scratch.dir() / "input.pcd.bin";
    writeStringAtomically(file.string(), bytes.substr(1));
    expectSuccessOrCpqError(f,
                            [&] { readPcdBin(file.string(), 4 + static_cast<uint8_t>(bytes[0]) % 5, 0.5f); });
  }
}

TEST(FuzzRegression, NuScenesTables) {
  // As in tables_fuzzer: a valid table set in which the input's first byte picks the table it replaces.
  Scratch scratch;
  const auto write = [&](size_t i, const std::string& text) {
    const fs::path file = scratch.dir() / (std::string(fuzz::kTables[i].name) + ".json");
    fs::remove(file);
    writeStringAtomically(file.string(), text);
  };
  for (size_t i = 0; i < fuzz::kTableCount; ++i) write(i, fuzz::kTables[i].json);
  // The seed set itself loads.
  const NuScenesTables seed = NuScenesTables::load(scratch.dir());
  EXPECT_EQ(seed.sampleAnnotation.rows.size(), 1u);
  for (const auto& f : findings("tables")) {
    const std::string bytes = readFileToString(f.string());
    if (bytes.empty()) continue;
    const size_t index = static_cast<uint8_t>(bytes[0]) % fuzz::kTableCount;
    write(index, bytes.substr(1));
    expectSuccessOrCpqError(f, [&] { NuScenesTables::load(scratch.dir()); });
    write(index, fuzz::kTables[index].json);
  }
}

TEST(FuzzRegression, TablesRecordsWithoutARequiredLinkNameTheFileAndField) {
  // Found by tables_fuzzer: a calibrated_sensor without sensor_token kept kNoRow and was used as a row
  // index (an instance without category_token, a sample without scene_token likewise, later, in
  // SampleBuilder); a sample_annotation without sample_token was already refused.
  Scratch scratch;
  for (size_t i = 0; i < fuzz::kTableCount; ++i)
    writeStringAtomically((scratch.dir() / (std::string(fuzz::kTables[i].name) + ".json")).string(),
                          fuzz::kTables[i].json);
  const struct {
    const char* input;
    const char* table;
    const char* message;
  } cases[] = {{"calibrated_sensor_without_sensor_token.in", "calibrated_sensor",
                "calibrated_sensor cs1: no sensor_token"},
               {"sample_annotation_without_sample_token.in", "sample_annotation",
                "record sa1: sample_token is missing"},
               {"instance_without_category_token.in", "instance", "instance i1: no category_token"},
               {"sample_without_scene_token.in", "sample", "sample smp1: no scene_token"}};
  for (const auto& c : cases) {
    const std::string bytes = readFileToString((kData / "fuzz" / "tables" / c.input).string());
    const fs::path file = scratch.dir() / (std::string(c.table) + ".json");
    const std::string original = readFileToString(file.string());
    fs::remove(file);
    writeStringAtomically(file.string(), bytes.substr(1));
    try {
      NuScenesTables::load(scratch.dir());
      ADD_FAILURE() << c.input << ": loaded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(file.string() + ": " + c.message), std::string::npos) << e.what();
    }
    fs::remove(file);
    writeStringAtomically(file.string(), original);
  }
}

TEST(FuzzRegression, Config) {
  auto inputs = findings("config");
  for (const auto& f : filesIn(fs::path(CPQ_SOURCE_DIR) / "configs", ".yaml")) inputs.push_back(f);
  for (const auto& f : inputs) expectSuccessOrCpqError(f, [&] { loadConfig(f.string()); });
}

TEST(FuzzRegression, CalibrationFile) {
  Scratch scratch;
  const fs::path seed = scratch.dir() / "tiny.calib.json";
  writeStringAtomically(seed.string(), fuzz::tinyCalibrationJson());
  {
    const auto model = std::make_shared<fuzz::TinyQuantModel>();
    applyCalibrationFile(*model, seed.string());  // the seed fits the model
    EXPECT_FLOAT_EQ(model->fc->inputQuantizer()->amax().item<float>(), 2.0f);
  }
  for (const auto& f : findings("calibration")) {
    const auto model = std::make_shared<fuzz::TinyQuantModel>();
    expectSuccessOrCpqError(f, [&] { applyCalibrationFile(*model, f.string()); });
  }
}

TEST(FuzzRegression, TensorRtCalibrationCache) {
  for (const auto& f : findings("trt_cache"))
    expectSuccessOrCpqError(f,
                            [&] { parseTensorRtCalibrationCache(readFileToString(f.string()), f.string()); });
}

}  // namespace
}  // namespace cpq
