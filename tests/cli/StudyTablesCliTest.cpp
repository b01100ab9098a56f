// `study-tables` as a user runs it: the tables of a results folder, one clear error naming a bad file and no
// output then, an existing output refused without --overwrite.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "core/AtomicFile.h"
#include "support/RunCli.h"
#include "support/TempRoot.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;
using testing::quote;
using testing::runCli;
using testing::RunResult;

class StudyTablesCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::tempRoot() / ("cpq_cli_study_" + std::to_string(::getpid()) + "_" +
                                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "results");
    // A real metrics.json and PTQ report of the repository (docs/results).
    const fs::path docs = fs::path(CPQ_SOURCE_DIR) / "docs" / "results";
    fs::copy_file(docs / "qat_int8_demo_split_cpu.metrics.json", dir_ / "results" / "qat.metrics.json");
    fs::copy_file(docs / "demo_job_cpu.report.json", dir_ / "results" / "demo.report.json");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string args(const std::string& out) const {
    return "study-tables --results " + quote(path("results")) + " --out " + quote(out);
  }

  fs::path dir_;
};

TEST_F(StudyTablesCliTest, WritesTheTablesAndRefusesToOverwrite) {
  const std::string out = path("tables.md");
  RunResult r = runCli(args(out));
  ASSERT_EQ(r.code, 0) << r.output;
  const std::string md = readFileToString(out);
  EXPECT_NE(md.find("| demo | histogram+mse | 128 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| demo | FP32 | 0.8572 | 0.8138 | 0.5576 | 0.7681 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| qat | 100 | 0.8585 | 0.8223 | 0.5742 | 0.7749 |"), std::string::npos) << md;
  r = runCli(args(out));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(out), std::string::npos) << r.output;
  EXPECT_EQ(runCli(args(out) + " --overwrite").code, 0);
}

TEST_F(StudyTablesCliTest, MalformedResultIsOneErrorNamingItAndNoOutput) {
  std::ofstream(dir_ / "results" / "broken.metrics.json") << "{\"t4\": ";
  const std::string out = path("tables.md");
  const RunResult r = runCli(args(out));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find(path("results/broken.metrics.json") + ": is not valid JSON"), std::string::npos)
      << r.output;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace cpq
