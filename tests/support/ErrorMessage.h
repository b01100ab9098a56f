#pragma once
// The message of the cpq::Error a call throws, or "" when it throws none: what the bad-input tests
// inspect (file name first, then the problem). Other exception types propagate and fail the test.
#include <functional>
#include <string>

#include "core/Error.h"

namespace cpq::testing {

inline std::string errorMessageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace cpq::testing
