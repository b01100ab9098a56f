#include <gtest/gtest.h>

#include "CheckpointTestUtil.h"
#include "checkpoint/Safetensors.h"
#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {

using test::expectErrorContaining;
using test::ScratchDir;

std::string le64(uint64_t v) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

std::string floatBytes(std::initializer_list<float> values) {
  std::string s;
  for (float f : values) s.append(reinterpret_cast<const char*>(&f), sizeof f);
  return s;
}

StateDict sample() {
  StateDict sd;
  sd.insert("b.weight", at::arange(6, at::kFloat).reshape({2, 3}) / 3);
  sd.insert("a.half", at::tensor(std::vector<float>{0.5f, -2.f, 65504.f}).to(at::kHalf));
  sd.insert("a.bf16", at::tensor(std::vector<float>{1.5f, -3.f}).to(at::kBFloat16));
  sd.insert("n", at::tensor(std::vector<int64_t>{-(int64_t{1} << 40), 7}));
  sd.insert("i", at::tensor(std::vector<int32_t>{-1, 2}));
  sd.insert("mask", at::tensor(std::vector<uint8_t>{1, 0}).to(at::kBool));
  sd.insert("u8", at::tensor(std::vector<uint8_t>{0, 200}));
  sd.insert("d", at::tensor(std::vector<double>{0.1}));
  sd.insert("scalar", at::scalar_tensor(2.5));
  sd.insert("t", at::arange(6, at::kFloat).reshape({2, 3}).t());  // non-contiguous source
  sd.insert("empty", at::zeros({0, 2}));
  return sd;
}

TEST(Safetensors, RoundTripKeepsOrderAndValuesAndWidensHalf) {
  ScratchDir dir;
  const StateDict sd = sample();
  saveSafetensors(dir.file("a.safetensors"), sd, {{"format", "pt"}});
  const StateDict back = loadSafetensors(dir.file("a.safetensors"));
  ASSERT_EQ(back.keys(), sd.keys());
  for (const auto& [name, t] : sd.items()) {
    const at::Tensor& b = *back.find(name);
    const bool half = t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16;
    EXPECT_EQ(b.scalar_type(), half ? at::kFloat : t.scalar_type()) << name;
    EXPECT_EQ(b.sizes(), t.sizes()) << name;
    EXPECT_TRUE(at::equal(b, t.to(b.scalar_type()))) << name;
  }
}

TEST(Safetensors, SameInputSameBytes) {
  ScratchDir dir;
  saveSafetensors(dir.file("a.safetensors"), sample(), {{"z", "1"}, {"a", "2"}});
  saveSafetensors(dir.file("b.safetensors"), sample(), {{"a", "2"}, {"z", "1"}});
  EXPECT_EQ(readFileToString(dir.file("a.safetensors")), readFileToString(dir.file("b.safetensors")));
}

TEST(Safetensors, HeaderIsTheHandComputedOne) {
  StateDict sd;
  sd.insert("w", at::tensor(std::vector<float>{1.f, 2.f}));
  sd.insert("b", at::tensor(std::vector<float>{-1.f}));
  std::string json =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
  ASSERT_EQ(json.size(), 139u);
  json += std::string(5, ' ');  // padded to 144, a multiple of 8
  const std::string expected = le64(144) + json + floatBytes({1.f, 2.f, -1.f});
  EXPECT_EQ(serializeSafetensors(sd, {{"format", "pt"}}), expected);
}

TEST(Safetensors, ReadsAForeignLayoutInOffsetOrder) {
  // Entries listed out of offset order, with the header padded by spaces as the reference writer does.
  std::string json = R"({"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
                     R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  json.append((8 - json.size() % 8) % 8, ' ');
  const StateDict sd = parseSafetensors(le64(json.size()) + json + floatBytes({3.f, 4.f}), "mem");
  ASSERT_EQ(sd.keys(), (std::vector<std::string>{"a", "z"}));
  EXPECT_EQ(sd.find("a")->item<float>(), 3.f);
  EXPECT_EQ(sd.find("z")->item<float>(), 4.f);
}

TEST(Safetensors, DamagedFilesGiveErrorsNamingTheFile) {
  ScratchDir dir;
  const std::string good = serializeSafetensors(sample());
  auto check = [&](const std::string& name, const std::string& content,
                   std::initializer_list<std::string> frags) {
    const std::string path = dir.file(name);
    writeStringAtomically(path, content);
    std::vector<std::string> all{path};
    all.insert(all.end(), frags.begin(), frags.end());
    try {
      loadSafetensors(path);
      ADD_FAILURE() << name << ": no error";
    } catch (const cpq::Error& e) {
      for (const auto& f : all) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
    }
  };
  check("short.safetensors", "abc", {"truncated"});
  check("cut.safetensors", good.substr(0, good.size() - 1), {"outside", "truncated"});
  check("cut_header.safetensors", good.substr(0, 40), {"runs past the end"});
  check("huge.safetensors", le64(uint64_t{1} << 40) + "{}", {"implausibly large"});
  check("notjson.safetensors", le64(8) + "{nope!!}", {"not valid JSON"});
  check("notobject.safetensors", le64(8) + "[1,2]   ", {"JSON object"});
  const auto one = [](const std::string& entry, size_t dataBytes) {
    std::string json = "{\"x\":" + entry + "}";
    return le64(json.size()) + json + std::string(dataBytes, '\0');
  };
  check("dtype.safetensors", one(R"({"dtype":"Q7","shape":[1],"data_offsets":[0,4]})", 4),
        {"unsupported dtype Q7"});
  check("size.safetensors", one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})", 4),
        {"does not match"});
  check("bounds.safetensors", one(R"({"dtype":"F32","shape":[1],"data_offsets":[8,12]})", 4), {"outside"});
  check("neg.safetensors", one(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})", 4), {"shape"});
  check("missing.safetensors", one(R"({"dtype":"F32","shape":[1]})", 4), {"lacks"});
  check("overflow.safetensors",
        one(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]})", 0),
        {"does not match"});
  std::string json = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                     R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  check("overlap.safetensors", le64(json.size()) + json + std::string(8, '\0'), {"overlap"});
}

TEST(Safetensors, RefusesUnsupportedDtypesWhenSaving) {
  ScratchDir dir;
  StateDict sd;
  sd.insert("c", at::zeros({1}, at::kComplexDouble));
  expectErrorContaining([&] { saveSafetensors(dir.file("c.safetensors"), sd); },
                        {dir.file("c.safetensors"), "dtype"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("c.safetensors")));
}

}  // namespace
}  // namespace cpq
