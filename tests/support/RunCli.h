#pragma once
// Running the built CLI (or any shell command) from a test, as a user would: exit code plus everything it
// printed on stdout and stderr.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

namespace cpq::testing {

struct RunResult {
  int code;
  std::string output;  // stdout and stderr
};

inline RunResult runShell(const std::string& cmd) {
  const std::string full = cmd + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(full.c_str(), "r"), pclose);
  if (!pipe) return {-1, "popen failed for: " + cmd};
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe.get())) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe.release());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Single-quotes s for the shell.
inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline RunResult runCli(const std::string& args) { return runShell(quote(CPQ_CLI_PATH) + " " + args); }

}  // namespace cpq::testing
