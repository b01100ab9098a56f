#pragma once
// The one line a failed command prints: user errors (cpq::Error, which name the file and the problem) as
// they are; what escaped the readers' checks (out of memory, a libtorch or JSON error, an internal bug)
// with its kind and the first line of its text, never a trace.
#include <exception>
#include <string>

namespace cpq {

// "error: ..." for the exception in flight; rethrows nothing (an unknown type gets a generic line).
std::string failureMessage(const std::exception_ptr& failure);

}  // namespace cpq
