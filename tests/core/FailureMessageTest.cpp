// One line per failure family, never a trace: what main prints for each kind of exception.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/Error.h"
#include "core/FailureMessage.h"

namespace {

template <typename F>
std::string messageOf(F&& f) {
  try {
    f();
  } catch (...) {
    return cpq::failureMessage(std::current_exception());
  }
  return "(nothing thrown)";
}

}  // namespace

TEST(FailureMessageTest, UserErrorsAsTheyAre) {
  EXPECT_EQ(messageOf([] { throw cpq::fileError("a.pth", "truncated"); }), "error: a.pth: truncated");
}

TEST(FailureMessageTest, OutOfMemory) {
  const std::string m = messageOf([] { throw std::bad_alloc(); });
  EXPECT_EQ(m.rfind("error: out of memory", 0), 0u) << m;
}

TEST(FailureMessageTest, LibtorchErrorWithoutItsTrace) {
  // A real c10::Error from libtorch (shape mismatch), whose what() carries a C++ trace on some builds.
  const std::string m = messageOf([] { (void)at::matmul(at::ones({2, 3}), at::ones({4, 5})); });
  EXPECT_EQ(m.rfind("error: libtorch: ", 0), 0u) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_EQ(m.find("frame #"), std::string::npos) << m;
}

TEST(FailureMessageTest, JsonTypeAndParseErrors) {
  const std::string type =
      messageOf([] { (void)nlohmann::json::parse(R"({"amax": "1.0"})")["amax"].get<float>(); });
  EXPECT_EQ(type.rfind("error: JSON: ", 0), 0u) << type;
  const std::string parse = messageOf([] {
    const nlohmann::json truncated = nlohmann::json::parse("{\"a\": ");
    EXPECT_TRUE(truncated.is_null());  // not reached: parse throws
  });
  EXPECT_EQ(parse.rfind("error: JSON: ", 0), 0u) << parse;
}

TEST(FailureMessageTest, OtherExceptionsAreReportedAsInternal) {
  const std::string m = messageOf([] { (void)std::vector<int>(2).at(5); });
  EXPECT_EQ(m.rfind("error: internal error", 0), 0u) << m;
  EXPECT_EQ(messageOf([] { throw 42; }).rfind("error: internal error", 0), 0u);
}
