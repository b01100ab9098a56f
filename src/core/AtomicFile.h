#pragma once
// Results are written to "<path>.tmp-<pid>" and renamed into place, so a failed command never leaves a
// partial file where a user expects a result.
#include <functional>
#include <string>

namespace cpq {

// Calls write(tmpPath) and renames tmpPath to path; removes the temporary on any exception.
void writeFileAtomically(const std::string& path, const std::function<void(const std::string&)>& write);

// Convenience: the whole content in one string.
void writeStringAtomically(const std::string& path, const std::string& content);

// Throws cpq::Error naming the file when it exists and overwrite is false.
void refuseToOverwrite(const std::string& path, bool overwrite);

// Reads a whole file; throws cpq::Error naming it when it cannot be read.
std::string readFileToString(const std::string& path);

}  // namespace cpq
