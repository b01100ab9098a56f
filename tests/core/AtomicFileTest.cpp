// The atomic-write contract every command relies on for "no partial output": a write that throws leaves
// neither the temporary nor a changed target behind; --overwrite is needed to replace a file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "support/ErrorMessage.h"

namespace fs = std::filesystem;

namespace {

fs::path freshDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("cpq_core_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST(AtomicFileTest, WritesAndReadsBack) {
  const fs::path dir = freshDir("roundtrip");
  const std::string path = (dir / "out.bin").string();
  const std::string content("a\0b\xff", 4);
  cpq::writeStringAtomically(path, content);
  EXPECT_EQ(cpq::readFileToString(path), content);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);  // no temporary left
}

TEST(AtomicFileTest, FailedWriteLeavesTheOldFileAndNoTemporary) {
  const fs::path dir = freshDir("failed");
  const std::string path = (dir / "result.json").string();
  cpq::writeStringAtomically(path, "old");
  EXPECT_THROW(cpq::writeFileAtomically(path,
                                        [](const std::string& tmp) {
                                          std::ofstream(tmp) << "half of a new fi";
                                          throw std::runtime_error("disk full");
                                        }),
               std::runtime_error);
  EXPECT_EQ(cpq::readFileToString(path), "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 1);
}

TEST(AtomicFileTest, UnwritableTargetNamesTheFile) {
  const std::string path = "/nonexistent_cpq_dir/sub/out.txt";
  const std::string message = cpq::testing::errorMessageOf([&] { cpq::writeStringAtomically(path, "x"); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

TEST(AtomicFileTest, RefusesToOverwriteWithoutTheFlag) {
  const fs::path dir = freshDir("overwrite");
  const std::string path = (dir / "a.txt").string();
  EXPECT_NO_THROW(cpq::refuseToOverwrite(path, false));  // absent: fine
  cpq::writeStringAtomically(path, "x");
  const std::string message = cpq::testing::errorMessageOf([&] { cpq::refuseToOverwrite(path, false); });
  EXPECT_NE(message.find(path), std::string::npos);
  EXPECT_NE(message.find("--overwrite"), std::string::npos);
  EXPECT_NO_THROW(cpq::refuseToOverwrite(path, true));
}

TEST(AtomicFileTest, MissingFileNamesTheFile) {
  const std::string message =
      cpq::testing::errorMessageOf([] { cpq::readFileToString("/nonexistent_cpq_file.bin"); });
  EXPECT_NE(message.find("/nonexistent_cpq_file.bin"), std::string::npos) << message;
}
