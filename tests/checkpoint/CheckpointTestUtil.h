#pragma once
// Helpers shared by the checkpoint tests: scratch files and comparisons against expected.json entries.
#include <gtest/gtest.h>

#include <unistd.h>
#include "support/TempRoot.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <string>

#include "checkpoint/StateDict.h"
#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq::test {

// Builds pickles opcode by opcode (string literals with \x escapes and NULs are too error-prone).
struct Pk {
  std::string s;
  Pk& op(int c) {
    s.push_back(static_cast<char>(c));
    return *this;
  }
  Pk& raw(const std::string& t) {
    s += t;
    return *this;
  }
  Pk& le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) op(static_cast<int>((v >> (8 * i)) & 0xff));
    return *this;
  }
  Pk& str(const std::string& t) { return op('X').le(t.size(), 4).raw(t); }
  Pk& global(const std::string& m, const std::string& n) { return op('c').raw(m + "\n" + n + "\n"); }
  Pk& integer(int64_t v) { return op('J').le(static_cast<uint64_t>(v), 4); }
};

inline std::string checkpointDataDir() { return std::string(CPQ_TEST_DATA_DIR) + "/checkpoint"; }

// A fresh directory under the system temp dir, removed when the object goes away.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = cpq::testing::tempRoot() /
            ("cpq_ckpt_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string dtypeName(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
      return "float32";
    case at::kDouble:
      return "float64";
    case at::kHalf:
      return "float16";
    case at::kBFloat16:
      return "bfloat16";
    case at::kLong:
      return "int64";
    case at::kInt:
      return "int32";
    case at::kShort:
      return "int16";
    case at::kChar:
      return "int8";
    case at::kByte:
      return "uint8";
    case at::kBool:
      return "bool";
    default:
      return "other";
  }
}

// {"name", "dtype", "shape", "values"} of a tensor, values flattened in C order (floats as doubles).
inline nlohmann::json describeTensor(const std::string& name, const at::Tensor& tensor) {
  nlohmann::json e;
  e["name"] = name;
  e["dtype"] = dtypeName(tensor.scalar_type());
  e["shape"] = tensor.sizes().vec();
  const at::Tensor flat = tensor.contiguous().reshape({-1});
  nlohmann::json values = nlohmann::json::array();
  if (tensor.is_floating_point()) {
    const at::Tensor d = flat.to(at::kDouble);
    for (int64_t i = 0; i < d.numel(); ++i) values.push_back(d.data_ptr<double>()[i]);
  } else {
    const at::Tensor l = flat.to(at::kLong);
    for (int64_t i = 0; i < l.numel(); ++i) values.push_back(l.data_ptr<int64_t>()[i]);
  }
  e["values"] = values;
  return e;
}

// Compares a loaded StateDict, key order included, with expected.json's list for one fixture. Values are
// compared exactly (JSON keeps doubles exactly; float32 values are exact doubles).
inline void expectMatches(const StateDict& sd, const nlohmann::json& expected, const std::string& what) {
  ASSERT_EQ(sd.size(), expected.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& e = expected[i];
    const auto& [name, t] = sd.items()[i];
    SCOPED_TRACE(what + ": " + name);
    EXPECT_EQ(name, e["name"].get<std::string>());
    EXPECT_EQ(dtypeName(t.scalar_type()), e["dtype"].get<std::string>());
    EXPECT_EQ(t.sizes().vec(), e["shape"].get<std::vector<int64_t>>());
    EXPECT_TRUE(t.is_contiguous());
    const nlohmann::json got = describeTensor(name, t)["values"];
    ASSERT_EQ(got.size(), e["values"].size());
    for (size_t k = 0; k < got.size(); ++k) {
      if (t.is_floating_point()) {
        EXPECT_EQ(got[k].get<double>(), e["values"][k].get<double>()) << "element " << k;
      } else {
        EXPECT_EQ(got[k].get<int64_t>(), e["values"][k].get<int64_t>()) << "element " << k;
      }
    }
  }
}

inline nlohmann::json loadJson(const std::string& path) {
  return nlohmann::json::parse(readFileToString(path));
}

// Runs f, expecting a cpq::Error whose message contains every one of the given fragments.
template <typename F>
void expectErrorContaining(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no cpq::Error thrown";
  } catch (const cpq::Error& e) {
    const std::string msg = e.what();
    for (const auto& frag : fragments)
      EXPECT_NE(msg.find(frag), std::string::npos) << "message: " << msg << "\nlacks: " << frag;
  }
}

}  // namespace cpq::test
