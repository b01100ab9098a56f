#include <gtest/gtest.h>

#include "CheckpointTestUtil.h"
#include "checkpoint/Checkpoint.h"
#include "checkpoint/Safetensors.h"
#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {

using test::expectErrorContaining;
using test::ScratchDir;

StateDict small() {
  StateDict sd;
  sd.insert("w", at::arange(4, at::kFloat).reshape({2, 2}));
  sd.insert("n", at::scalar_tensor(3, at::kLong));
  return sd;
}

void expectSame(const StateDict& a, const StateDict& b) {
  ASSERT_EQ(a.keys(), b.keys());
  for (const auto& [name, t] : a.items()) EXPECT_TRUE(at::equal(t, *b.find(name))) << name;
}

TEST(Checkpoint, SavesByExtensionAndLoadsByContent) {
  ScratchDir dir;
  for (const char* name : {"a.pth", "a.pt", "a.safetensors", "A.PTH"}) {
    saveCheckpoint(dir.file(name), small());
    expectSame(loadCheckpoint(dir.file(name)), small());
  }
  EXPECT_EQ(readFileToString(dir.file("a.pth")).substr(0, 2), "PK");
  // Content decides, not the name.
  std::filesystem::copy_file(dir.file("a.safetensors"), dir.file("weights.bin"));
  std::filesystem::copy_file(dir.file("a.pth"), dir.file("weights.ckpt"));
  expectSame(loadCheckpoint(dir.file("weights.bin")), small());
  expectSame(loadCheckpoint(dir.file("weights.ckpt")), small());
}

TEST(Checkpoint, RealFixturesLoadThroughTheDispatcher) {
  const StateDict sd = loadCheckpoint(test::checkpointDataDir() + "/mmengine_style.pth");
  EXPECT_EQ(sd.keys().front(), "0.weight");
}

TEST(Checkpoint, ErrorsNameTheFile) {
  ScratchDir dir;
  expectErrorContaining([&] { saveCheckpoint(dir.file("a.onnx"), small()); },
                        {dir.file("a.onnx"), "unknown checkpoint extension '.onnx'"});
  expectErrorContaining([&] { loadCheckpoint(dir.file("absent.pth")); },
                        {dir.file("absent.pth"), "no such file"});
  writeStringAtomically(dir.file("empty.pth"), "");
  expectErrorContaining([&] { loadCheckpoint(dir.file("empty.pth")); }, {dir.file("empty.pth"), "empty"});
  writeStringAtomically(dir.file("garbage.bin"), "hello world, no weights here");
  expectErrorContaining([&] { loadCheckpoint(dir.file("garbage.bin")); },
                        {dir.file("garbage.bin"), "neither a PyTorch checkpoint"});
  writeStringAtomically(dir.file("short.pth"), "abc");
  expectErrorContaining([&] { loadCheckpoint(dir.file("short.pth")); }, {dir.file("short.pth"), "truncated"});
  const std::string st = serializeSafetensors(small());
  writeStringAtomically(dir.file("cut.safetensors"), st.substr(0, st.size() - 3));
  expectErrorContaining([&] { loadCheckpoint(dir.file("cut.safetensors")); },
                        {dir.file("cut.safetensors"), "truncated"});
  saveCheckpoint(dir.file("ok.pth"), small());
  const std::string pth = readFileToString(dir.file("ok.pth"));
  writeStringAtomically(dir.file("cut.pth"), pth.substr(0, pth.size() / 2));
  expectErrorContaining([&] { loadCheckpoint(dir.file("cut.pth")); }, {dir.file("cut.pth")});
  expectErrorContaining([&] { loadCheckpoint(dir.file("")); }, {"directory"});
}

}  // namespace
}  // namespace cpq
