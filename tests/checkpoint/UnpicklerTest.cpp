// The restricted unpickler on hand-written pickles and on damaged copies of real ones.
#include <gtest/gtest.h>

#include <caffe2/serialize/inline_container.h>

#include <random>

#include "CheckpointTestUtil.h"
#include "checkpoint/PthWriter.h"
#include "checkpoint/Unpickler.h"
#include "core/Error.h"

namespace cpq {
namespace {

using K = PickleValue::Kind;
using test::expectErrorContaining;
using test::Pk;

// data.pkl of a real torch.save checkpoint.
std::string dataPkl(const std::string& pthPath) {
  caffe2::serialize::PyTorchStreamReader reader(pthPath);
  auto rec = reader.getRecord("data.pkl");
  return std::string(static_cast<const char*>(std::get<0>(rec).get()), std::get<1>(rec));
}

TEST(Unpickler, ContainersScalarsAndStrings) {
  // {'a': [1, -2, 300, 70000, True, None, 1.5], 'b': ('x', b'yz'), 3: -256}, protocol 2 opcodes.
  const std::string p = Pk().op(0x80)
                            .op(2)
                            .op('}')
                            .op('q')
                            .op(0)
                            .op('(')
                            .str("a")
                            .op(']')
                            .op('q')
                            .op(1)
                            .op('(')
                            .op('K')
                            .op(1)
                            .op('J')
                            .le(0xfffffffe, 4)
                            .op('M')
                            .le(300, 2)
                            .op('J')
                            .le(70000, 4)
                            .op(0x88)
                            .op('N')
                            .op('G')
                            .op(0x3f)
                            .op(0xf8)
                            .le(0, 6)
                            .op('e')
                            .str("b")
                            .op('U')
                            .op(1)
                            .raw("x")
                            .op('C')
                            .op(2)
                            .raw("yz")
                            .op(0x86)
                            .op('K')
                            .op(3)
                            .op(0x8a)
                            .op(2)
                            .op(0x00)
                            .op(0xff)
                            .op('u')
                            .op('.')
                            .s;
  const PickleTree t = unpickle(p, "mem.pkl");
  const PickleValue& root = t.root();
  ASSERT_EQ(root.kind, K::Dict);
  ASSERT_EQ(root.items.size(), 6u);
  const PickleValue* a = t.get(root, "a");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->kind, K::List);
  ASSERT_EQ(a->items.size(), 7u);
  EXPECT_EQ(t[a->items[0]].integer, 1);
  EXPECT_EQ(t[a->items[1]].integer, -2);
  EXPECT_EQ(t[a->items[2]].integer, 300);
  EXPECT_EQ(t[a->items[3]].integer, 70000);
  EXPECT_TRUE(t[a->items[4]].boolean);
  EXPECT_EQ(t[a->items[5]].kind, K::None);
  EXPECT_EQ(t[a->items[6]].real, 1.5);
  const PickleValue* b = t.get(root, "b");
  ASSERT_TRUE(b);
  ASSERT_EQ(b->kind, K::Tuple);
  EXPECT_EQ(t[b->items[0]].text, "x");
  EXPECT_EQ(t[b->items[1]].kind, K::Bytes);
  EXPECT_EQ(t[b->items[1]].text, "yz");
  EXPECT_EQ(t[root.items[4]].integer, 3);
  EXPECT_EQ(t[root.items[5]].integer, -256);
}

TEST(Unpickler, UnknownClassesBecomeSkippedValues) {
  // mmengine.X.Hub via NEWOBJ + BUILD, numpy.dtype via REDUCE, then a memo reference to the class.
  const std::string p = Pk().op(0x80)
                            .op(2)
                            .op('}')
                            .op('q')
                            .op(0)
                            .op('(')
                            .str("hub")
                            .global("mmengine.X", "Hub")
                            .op('q')
                            .op(1)
                            .op(')')
                            .op(0x81)
                            .op('}')
                            .str("k")
                            .op('K')
                            .op(1)
                            .op('s')
                            .op('b')
                            .str("dt")
                            .global("numpy", "dtype")
                            .str("f8")
                            .op(0x85)
                            .op('R')
                            .str("hub2")
                            .op('h')
                            .op(1)
                            .op(')')
                            .op(0x81)
                            .op('u')
                            .op('.')
                            .s;
  const PickleTree t = unpickle(p, "mem.pkl");
  ASSERT_EQ(t.root().kind, K::Dict);
  EXPECT_EQ(t.get(t.root(), "hub")->kind, K::Skipped);
  EXPECT_EQ(t.describe(*t.get(t.root(), "hub")), "mmengine.X.Hub(...)");
  EXPECT_EQ(t.get(t.root(), "dt")->kind, K::Skipped);
  EXPECT_EQ(t.get(t.root(), "hub2")->kind, K::Skipped);
}

TEST(Unpickler, DangerousGlobalsAreRefused) {
  // GLOBAL os.system, protocol 2.
  expectErrorContaining(
      [] {
        unpickle(Pk().op(0x80).op(2).global("os", "system").str("echo").op(0x85).op('R').op('.').s,
                 "evil.pkl");
      },
      {"evil.pkl: refusing to load: the pickle calls os.system (not a checkpoint)"});
  // STACK_GLOBAL builtins.getattr, protocol 4.
  expectErrorContaining(
      [] {
        unpickle(Pk().op(0x80)
                     .op(4)
                     .op(0x8c)
                     .op(8)
                     .raw("builtins")
                     .op(0x94)
                     .op(0x8c)
                     .op(7)
                     .raw("getattr")
                     .op(0x94)
                     .op(0x93)
                     .op('.')
                     .s,
                 "evil4.pkl");
      },
      {"evil4.pkl", "builtins.getattr"});
  for (const auto& [m, n] :
       std::vector<std::pair<std::string, std::string>>{{"subprocess", "Popen"},
                                                        {"posix", "system"},
                                                        {"nt", "system"},
                                                        {"builtins", "exec"},
                                                        {"__builtin__", "eval"},
                                                        {"importlib", "import_module"},
                                                        {"shutil", "rmtree"},
                                                        {"socket", "socket"},
                                                        {"runpy", "run_path"},
                                                        {"sys", "modules"},
                                                        {"pickle", "loads"},
                                                        {"code", "InteractiveInterpreter"},
                                                        {"ctypes", "CDLL"},
                                                        {"webbrowser", "open"},
                                                        {"numpy.testing._private.utils", "runstring"},
                                                        {"torch.hub", "load"},
                                                        {"os.path", "join"}}) {
    EXPECT_TRUE(isDangerousGlobal(m, n)) << m << "." << n;
  }
  for (const auto& [m, n] :
       std::vector<std::pair<std::string, std::string>>{{"collections", "OrderedDict"},
                                                        {"torch._utils", "_rebuild_tensor_v2"},
                                                        {"torch", "FloatStorage"},
                                                        {"numpy.core.multiarray", "_reconstruct"},
                                                        {"numpy", "dtype"},
                                                        {"_codecs", "encode"},
                                                        {"mmengine.logging.history_buffer", "HistoryBuffer"},
                                                        {"builtins", "set"},
                                                        {"ossify", "x"}}) {
    EXPECT_FALSE(isDangerousGlobal(m, n)) << m << "." << n;
  }
}

TEST(Unpickler, MalformedPicklesGiveErrorsNamingTheSource) {
  expectErrorContaining([] { unpickle("", "e.pkl"); }, {"e.pkl", "truncated"});
  expectErrorContaining([] { unpickle("\x80\x02}", "e.pkl"); }, {"e.pkl", "truncated"});
  expectErrorContaining([] { unpickle("\x80\x02.", "e.pkl"); }, {"e.pkl", "empty stack"});
  expectErrorContaining([] { unpickle("\x80\x02h\x05.", "e.pkl"); }, {"e.pkl", "memo entry 5"});
  expectErrorContaining([] { unpickle(Pk().op(0x80).op(2).op('X').le(0x7fffffff, 4).s, "e.pkl"); },
                        {"e.pkl", "truncated"});
  expectErrorContaining([] { unpickle("\x80\x02u.", "e.pkl"); }, {"e.pkl", "MARK"});
  expectErrorContaining([] { unpickle("\x80\x02K\x01K\x02R.", "e.pkl"); }, {"e.pkl", "not callable"});
  expectErrorContaining([] { unpickle(Pk().op(0x80).op(2).op(0xff).op('.').s, "e.pkl"); },
                        {"e.pkl", "unsupported pickle opcode 0xff"});
  expectErrorContaining([] { unpickle(Pk().op(0x80).op(2).op('Q').op('.').s, "e.pkl"); },
                        {"e.pkl", "stack underflow"});
  expectErrorContaining(
      [] { unpickle(Pk().op(0x80).op(2).op('(').str("x").op('t').op('Q').op('.').s, "e.pkl"); },
      {"e.pkl", "persistent id"});
}

TEST(Unpickler, EveryTruncationOfARealPickleFailsCleanly) {
  const std::string pkl = dataPkl(test::checkpointDataDir() + "/mmengine_style.pth");
  ASSERT_NO_THROW(unpickle(pkl, "full"));
  for (size_t n = 0; n < pkl.size(); ++n) {
    EXPECT_THROW(unpickle(pkl.substr(0, n), "cut"), cpq::Error) << n;
  }
}

TEST(Unpickler, RandomCorruptionNeverCrashes) {
  const std::string pkl = dataPkl(test::checkpointDataDir() + "/plain.pth");
  std::mt19937 rng(1234);
  int parsed = 0, refused = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string damaged = pkl;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) damaged[rng() % damaged.size()] = static_cast<char>(rng() & 0xff);
    try {
      unpickle(damaged, "fuzz");
      ++parsed;
    } catch (const cpq::Error&) {
      ++refused;
    }
  }
  EXPECT_EQ(parsed + refused, 3000);
  EXPECT_GT(refused, 0);
}

TEST(Unpickler, ReadsTheTensorRecordsOurWriterEmits) {
  StateDict sd;
  sd.insert("w", at::arange(6, at::kFloat).reshape({2, 3}));
  sd.insert("n", at::scalar_tensor(5, at::kLong));
  test::ScratchDir dir;
  savePth(dir.file("w.pth"), sd);
  const PickleTree t = unpickle(dataPkl(dir.file("w.pth")), "w");
  ASSERT_EQ(t.root().kind, K::Dict);
  const PickleValue* w = t.get(t.root(), "w");
  ASSERT_TRUE(w);
  ASSERT_EQ(w->kind, K::Tensor);
  const PickleTensor& tw = t.tensor(*w);
  EXPECT_EQ(tw.sizes, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(tw.strides, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(tw.dtype, at::kFloat);
  EXPECT_EQ(t.storages()[tw.storage].key, "0");
  EXPECT_EQ(t.storages()[tw.storage].numel, 6);
  const PickleTensor& tn = t.tensor(*t.get(t.root(), "n"));
  EXPECT_TRUE(tn.sizes.empty());
  EXPECT_EQ(tn.dtype, at::kLong);
  EXPECT_EQ(t.storages()[tn.storage].location, "cpu");
}

}  // namespace
}  // namespace cpq
