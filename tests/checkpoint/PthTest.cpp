// torch.save checkpoints: fixtures written by real PyTorch (tests/data/checkpoint/make_fixtures.py) and our
// own writer, whose output Python reads back (check_cpq_written.py, run once on a machine with torch).
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>

#include <cstdlib>
#include <fstream>

#include "CheckpointTestUtil.h"
#include "checkpoint/PthReader.h"
#include "checkpoint/PthWriter.h"
#include "checkpoint/Safetensors.h"
#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {

using test::checkpointDataDir;
using test::expectErrorContaining;
using test::ScratchDir;

std::string fixture(const std::string& name) { return checkpointDataDir() + "/" + name; }

const nlohmann::json& expectedFixtures() {
  static const nlohmann::json j = test::loadJson(fixture("expected.json"));
  return j;
}

// What written_by_cpq.pth holds: every dtype we write, a non-contiguous source, an offset view, a scalar,
// an empty tensor and an int64 beyond 32 bits.
StateDict cpqFixtureStateDict() {
  StateDict sd;
  sd.insert("conv.weight", at::arange(6, at::kFloat).reshape({2, 3}) * 0.25 - 1);
  sd.insert("transposed", at::arange(6, at::kFloat).reshape({2, 3}).t());
  sd.insert("sliced", at::arange(10, at::kFloat).slice(0, 2, 8, 2));
  sd.insert("bn.num_batches_tracked", at::scalar_tensor(c10::Scalar(int64_t{123456789012}), at::kLong));
  sd.insert("ids", at::tensor(std::vector<int64_t>{-5, 0, 70000, -(int64_t{1} << 40)}));
  sd.insert("i32", at::tensor(std::vector<int32_t>{-7, 1 << 30}));
  sd.insert("mask", at::tensor(std::vector<uint8_t>{1, 0, 1}).to(at::kBool));
  sd.insert("u8", at::tensor(std::vector<uint8_t>{0, 255}));
  sd.insert("f64", at::tensor(std::vector<double>{0.1, -2.5}));
  sd.insert("half", at::tensor(std::vector<float>{0.5f, -1.25f, 1024.f}).to(at::kHalf));
  sd.insert("bf16", at::tensor(std::vector<float>{1.5f, -3.f}).to(at::kBFloat16));
  sd.insert("scalar", at::scalar_tensor(3.5, at::kFloat));
  sd.insert("empty", at::zeros({0, 4}));
  return sd;
}

// Not a test of behaviour: with CPQ_WRITE_CHECKPOINT_FIXTURES=<dir> it writes written_by_cpq.{pth,
// safetensors,json} there, for check_cpq_written.py to verify with Python's torch.load and safetensors.
TEST(CheckpointFixtures, WriteCpqFixtures) {
  const char* dir = std::getenv("CPQ_WRITE_CHECKPOINT_FIXTURES");
  if (!dir) GTEST_SKIP() << "set CPQ_WRITE_CHECKPOINT_FIXTURES=<dir> to write the fixtures";
  const StateDict sd = cpqFixtureStateDict();
  savePth(std::string(dir) + "/written_by_cpq.pth", sd);
  saveSafetensors(std::string(dir) + "/written_by_cpq.safetensors", sd,
                  {{"format", "pt"}, {"producer", "cpq"}});
  nlohmann::json expected = nlohmann::json::array();
  for (const auto& [name, t] : sd.items()) expected.push_back(test::describeTensor(name, t));
  writeStringAtomically(std::string(dir) + "/written_by_cpq.json", expected.dump(1) + "\n");
}

TEST(PthReader, PlainDictOfEveryDtype) {
  const StateDict sd = loadPth(fixture("plain.pth"));
  test::expectMatches(sd, expectedFixtures()["plain.pth"], "plain.pth");
}

TEST(PthReader, PickleProtocol4) {
  const StateDict sd = loadPth(fixture("plain_proto4.pth"));
  test::expectMatches(sd, expectedFixtures()["plain_proto4.pth"], "plain_proto4.pth");
}

TEST(PthReader, MmengineCheckpointYieldsItsStateDictOnly) {
  const StateDict sd = loadPth(fixture("mmengine_style.pth"));
  test::expectMatches(sd, expectedFixtures()["mmengine_style.pth"], "mmengine_style.pth");
  EXPECT_EQ(sd.keys().front(), "0.weight");
  EXPECT_TRUE(sd.find("1.num_batches_tracked"));
}

TEST(PthReader, HalfAndBfloat16BecomeFloat32) {
  const StateDict sd = loadPth(fixture("half.pth"));
  test::expectMatches(sd, expectedFixtures()["half.pth"], "half.pth");
  for (const auto& item : sd.items()) EXPECT_EQ(item.second.scalar_type(), at::kFloat) << item.first;
}

TEST(PthReader, ViewsOfOneStorageComeApartAsOwnedContiguousTensors) {
  StateDict sd = loadPth(fixture("views.pth"));
  test::expectMatches(sd, expectedFixtures()["views.pth"], "views.pth");
  // Writing into one must not change another that shared its storage in the file.
  at::Tensor base = *sd.find("base");
  base.fill_(-1);
  EXPECT_EQ(sd.find("row")->index({0}).item<float>(), 6.f);
  EXPECT_EQ(sd.find("t")->index({1, 0}).item<float>(), 1.f);
}

TEST(PthReader, MaliciousPicklesAreRefused) {
  expectErrorContaining([] { loadPth(fixture("malicious_system.pth")); },
                        {fixture("malicious_system.pth"), "refusing to load: the pickle calls posix.system",
                         "(not a checkpoint)"});
  expectErrorContaining(
      [] { loadPth(fixture("malicious_eval.pth")); },
      {fixture("malicious_eval.pth"), "refusing to load: the pickle calls __builtin__.eval"});
  expectErrorContaining([] { loadPth(fixture("malicious_proto4.pth")); },
                        {fixture("malicious_proto4.pth"), "refusing to load: the pickle calls posix.system"});
}

TEST(PthReader, LegacyFormatExplainsHowToResave) {
  expectErrorContaining([] { loadPth(fixture("legacy.pth")); },
                        {fixture("legacy.pth"), "legacy", "torch>=1.6"});
}

TEST(PthReader, MissingGarbageEmptyAndTruncatedFilesNameTheFile) {
  ScratchDir dir;
  expectErrorContaining([&] { loadPth(dir.file("absent.pth")); }, {dir.file("absent.pth"), "cannot open"});
  writeStringAtomically(dir.file("garbage.pth"), "this is not a checkpoint at all");
  expectErrorContaining([&] { loadPth(dir.file("garbage.pth")); },
                        {dir.file("garbage.pth"), "not a PyTorch zip"});
  writeStringAtomically(dir.file("empty.pth"), "");
  expectErrorContaining([&] { loadPth(dir.file("empty.pth")); }, {dir.file("empty.pth"), "empty"});
  writeStringAtomically(dir.file("zipgarbage.pth"), "PK\x03\x04 and then nothing sensible");
  expectErrorContaining([&] { loadPth(dir.file("zipgarbage.pth")); }, {dir.file("zipgarbage.pth")});

  const std::string whole = readFileToString(fixture("plain.pth"));
  for (size_t n :
       {size_t{2}, size_t{100}, whole.size() / 3, whole.size() / 2, whole.size() - 30, whole.size() - 1}) {
    const std::string path = dir.file("cut" + std::to_string(n) + ".pth");
    writeStringAtomically(path, whole.substr(0, n));
    expectErrorContaining([&] { loadPth(path); }, {path});
  }
}

TEST(PthWriter, RoundTripKeepsOrderDtypesAndValues) {
  ScratchDir dir;
  const StateDict sd = cpqFixtureStateDict();
  savePth(dir.file("a.pth"), sd);
  const StateDict back = loadPth(dir.file("a.pth"));
  ASSERT_EQ(back.keys(), sd.keys());
  for (const auto& [name, t] : sd.items()) {
    const at::Tensor& b = *back.find(name);
    const bool half = t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16;
    EXPECT_EQ(b.scalar_type(), half ? at::kFloat : t.scalar_type()) << name;
    EXPECT_TRUE(at::equal(b, t.to(b.scalar_type()))) << name;
  }
}

TEST(PthWriter, SameInputSameBytes) {
  ScratchDir dir;
  const StateDict sd = cpqFixtureStateDict();
  savePth(dir.file("a.pth"), sd);
  savePth(dir.file("b.pth"), cpqFixtureStateDict());
  EXPECT_EQ(readFileToString(dir.file("a.pth")), readFileToString(dir.file("b.pth")));
  EXPECT_EQ(serializePth(sd), readFileToString(dir.file("a.pth")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.pth.tmp-" + std::to_string(::getpid()))));
}

TEST(PthWriter, ZipLayoutIsTorchSaves) {
  ScratchDir dir;
  savePth(dir.file("a.pth"), cpqFixtureStateDict());
  caffe2::serialize::PyTorchStreamReader reader(dir.file("a.pth"));
  EXPECT_TRUE(reader.hasRecord("data.pkl"));
  EXPECT_TRUE(reader.hasRecord("byteorder"));
  EXPECT_TRUE(reader.hasRecord("version"));
  EXPECT_TRUE(reader.hasRecord("data/0"));
  EXPECT_TRUE(reader.hasRecord("data/12"));
  EXPECT_FALSE(reader.hasRecord("data/13"));
  EXPECT_EQ(reader.version(), 3u);
}

// Python wrote nothing here: this file came from our writer and was verified by check_cpq_written.py with
// torch 2.11 (torch.load with and without weights_only) when the fixtures were made.
TEST(PthWriter, CommittedOutputStillReads) {
  const StateDict sd = loadPth(fixture("written_by_cpq.pth"));
  nlohmann::json expected = test::loadJson(fixture("written_by_cpq.json"));
  for (auto& e : expected) {
    if (e["dtype"] == "float16" || e["dtype"] == "bfloat16") e["dtype"] = "float32";
  }
  test::expectMatches(sd, expected, "written_by_cpq.pth");
}

TEST(PthWriter, RefusesUnsupportedDtypes) {
  ScratchDir dir;
  StateDict sd;
  sd.insert("c", at::zeros({2}, at::kComplexFloat));
  expectErrorContaining([&] { savePth(dir.file("c.pth"), sd); }, {dir.file("c.pth"), "ComplexFloat"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.pth")));
}

}  // namespace
}  // namespace cpq
