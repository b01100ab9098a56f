// The hard limits of the checkpoint readers, each on a small hostile file built here: bytes materialised per
// checkpoint, container items per pickle, description lengths, declared zip record sizes and bool bytes.
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <string>
#include <vector>

#include "CheckpointTestUtil.h"
#include "checkpoint/PthReader.h"
#include "checkpoint/PthWriter.h"
#include "checkpoint/Safetensors.h"
#include "checkpoint/Unpickler.h"
#include "core/Error.h"

namespace cpq {
namespace {

using test::expectErrorContaining;
using test::Pk;
using test::ScratchDir;

// A torch.save zip holding data.pkl and the given data/<key> records.
std::string zipWith(const std::string& pkl, const std::vector<std::pair<std::string, std::string>>& records) {
  std::string out;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* p, size_t n) {
    out.append(static_cast<const char*>(p), n);
    return n;
  });
  writer.writeRecord("data.pkl", pkl.data(), pkl.size());
  for (const auto& [key, bytes] : records) writer.writeRecord("data/" + key, bytes.data(), bytes.size());
  writer.writeEndOfFile();
  return out;
}

// {key_i: one tensor} for n keys, all naming the same memoized
// _rebuild_tensor_v2(storage '0' of `storageType`, 0, (numel,), (stride,), False, {}).
std::string sameTensorUnderManyKeys(int n, const std::string& storageType, int64_t numel, int64_t stride) {
  Pk p;
  p.op(0x80).op(2).op('}').op('(');
  for (int i = 0; i < n; ++i) {
    p.str("k" + std::to_string(i));
    if (i == 0) {
      p.global("torch._utils", "_rebuild_tensor_v2").op('(');
      p.op('(').str("storage").global("torch", storageType).str("0").str("cpu").integer(1).op('t').op('Q');
      p.integer(0).op('(').integer(numel).op('t').op('(').integer(stride).op('t').op(0x89).op('}').op('t');
      p.op('R').op('r').le(7, 4);  // LONG_BINPUT 7
    } else {
      p.op('j').le(7, 4);  // LONG_BINGET 7
    }
  }
  p.op('u').op('.');
  return p.s;
}

TEST(ReaderLimits, ViewsOfOneStorageUnderManyKeysStopAtTheMaterialisationBudget) {
  ScratchDir dir;
  // 8 keys x a stride-0 view of 2^24 float32 elements over a 4-byte storage: 512 MiB from a file of about
  // 1 KB; the budget is max(4 x file size, 64 MiB), so the second key already passes it.
  const std::string path = dir.file("broadcast.pth");
  writeStringAtomically(path, zipWith(sameTensorUnderManyKeys(8, "FloatStorage", int64_t{1} << 24, 0),
                                      {{"0", std::string(4, '\0')}}));
  expectErrorContaining([&] { loadPth(path); },
                        {path, "tensor k1", "materialised", "past max(4 x file size, 64 MiB)"});

  // One such view alone is within the 64 MiB floor and still reads.
  const std::string one = dir.file("one_broadcast.pth");
  writeStringAtomically(one, zipWith(sameTensorUnderManyKeys(1, "FloatStorage", int64_t{1} << 24, 0),
                                     {{"0", std::string(4, '\0')}}));
  const StateDict sd = loadPth(one);
  ASSERT_NE(sd.find("k0"), nullptr);
  EXPECT_EQ(sd.find("k0")->numel(), int64_t{1} << 24);
}

TEST(ReaderLimits, BoolStoragesWithBytesOtherThanZeroAndOneAreRefused) {
  ScratchDir dir;
  const std::string path = dir.file("bool2.pth");
  writeStringAtomically(path, zipWith(sameTensorUnderManyKeys(1, "BoolStorage", 1, 1), {{"0", "\x02"}}));
  expectErrorContaining([&] { loadPth(path); }, {path, "bool tensor k0", "byte 2"});

  const std::string good = dir.file("bool1.pth");
  writeStringAtomically(good, zipWith(sameTensorUnderManyKeys(1, "BoolStorage", 1, 1), {{"0", "\x01"}}));
  EXPECT_TRUE(loadPth(good).find("k0")->item<bool>());

  // safetensors: the same byte in a BOOL tensor.
  StateDict sd;
  sd.insert("mask", at::ones({3}, at::kBool));
  std::string bytes = serializeSafetensors(sd);
  ASSERT_EQ(bytes.back(), '\x01');
  bytes.back() = '\x07';
  expectErrorContaining([&] { parseSafetensors(bytes, "mask.safetensors"); },
                        {"mask.safetensors", "bool tensor mask", "byte 7"});
}

// Sets the central-directory entry of `name` to deflate with a declared uncompressed size of `size`.
void declareSize(std::string& zip, const std::string& name, uint32_t size) {
  for (size_t pos = zip.find("PK\x01\x02"); pos != std::string::npos; pos = zip.find("PK\x01\x02", pos + 4)) {
    const size_t nameLen = static_cast<uint8_t>(zip[pos + 28]) | (static_cast<uint8_t>(zip[pos + 29]) << 8);
    if (zip.compare(pos + 46, nameLen, name) != 0) continue;
    zip[pos + 10] = 8;  // method: deflate
    zip[pos + 11] = 0;
    for (int i = 0; i < 4; ++i) zip[pos + 24 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
    return;
  }
  FAIL() << "no central directory entry " << name;
}

TEST(ReaderLimits, ZipRecordsDeclaringMoreBytesThanTheFileAreRefusedBeforeAllocation) {
  ScratchDir dir;
  StateDict sd;
  sd.insert("w", at::arange(4, at::kFloat));
  std::string zip = serializePth(sd);
  declareSize(zip, "archive/data/0", 0x7ffffff0u);  // 2 GiB declared by a file of about 1 KB
  const std::string path = dir.file("declared.pth");
  writeStringAtomically(path, zip);
  expectErrorContaining([&] { loadPth(path); },
                        {path, "zip record archive/data/0 declares 2147483632 bytes"});
}

TEST(ReaderLimits, OrderedDictOfOneMemoizedListRepeatedIsCappedByItems) {
  // A list of 1000 pairs, memoized, then OrderedDict(list) 2000 times: 4 million items from 20 KB.
  Pk p;
  p.op(0x80).op(2).op(']').op('(');
  for (int i = 0; i < 1000; ++i) p.op('K').op(i & 0xff).op('N').op(0x86);
  p.op('e').op('q').op(1);  // APPENDS, BINPUT 1
  p.global("collections", "OrderedDict").op('q').op(2).op('0').op('(');
  for (int i = 0; i < 2000; ++i) p.op('h').op(2).op('h').op(1).op(0x85).op('R');
  p.op('l').op('.');
  expectErrorContaining([&] { unpickle(p.s, "amplify.pkl"); }, {"amplify.pkl", "items"});
}

TEST(ReaderLimits, DescriptionsOfSkippedValuesStayShort) {
  // obj = Foo(); obj = OBJ(obj) 3000 times: each OBJ described its class by the previous description plus
  // "(...)", so the texts grew quadratically with the pickle.
  Pk p;
  p.op(0x80).op(2).op('(').global("foo", "Foo").op('o').op('q').op(0);
  for (int i = 0; i < 3000; ++i) p.op('(').op('h').op(0).op('o').op('q').op(0).op('0');
  p.op('h').op(0).op('.');
  const PickleTree t = unpickle(p.s, "chain.pkl");
  EXPECT_EQ(t.root().kind, PickleValue::Kind::Skipped);
  EXPECT_LE(t.describe(t.root()).size(), 300u);
  EXPECT_EQ(t.describe(t.root()).rfind("foo.Foo(...)", 0), 0u);
}

}  // namespace
}  // namespace cpq
