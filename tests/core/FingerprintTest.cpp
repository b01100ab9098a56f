// FNV-1a 64 against the published test vectors (Fowler/Noll/Vo, "FNV test vectors", fnv-test.c).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/Fingerprint.h"

TEST(FingerprintTest, PublishedVectors) {
  EXPECT_EQ(cpq::fnv1aHex(""), "cbf29ce484222325");
  EXPECT_EQ(cpq::fnv1aHex("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(cpq::fnv1aHex("foobar"), "85944171f73967e8");
}

TEST(FingerprintTest, FileFingerprintIsTheContentHash) {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("cpq_fp_" + std::to_string(::getpid()))).string();
  cpq::writeStringAtomically(path, "foobar");
  EXPECT_EQ(cpq::fileFingerprint(path), "85944171f73967e8");
  std::filesystem::remove(path);
  EXPECT_THROW(cpq::fileFingerprint(path), cpq::Error);
}
