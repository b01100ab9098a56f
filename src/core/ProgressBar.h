#pragma once
// A one-line progress bar on stderr (count, rate, ETA), redrawn at most a few times per second. Written by
// hand: the usual C++ progress-bar libraries (indicators, tqdm.cpp) are not Debian packages, and this needs
// a dozen lines. On a non-terminal stderr (CI logs) it prints a plain line every 10% instead of redrawing.
#include <chrono>
#include <cstddef>
#include <string>

namespace cpq {

class ProgressBar {
 public:
  // total 0 = unknown; unit names what is counted ("frames").
  ProgressBar(std::string label, size_t total, std::string unit);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Adds n and redraws when due; extra (e.g. "loss 1.23") is shown after the rate.
  void advance(size_t n = 1, const std::string& extra = "");
  // Draws the final state and ends the line (also done by the destructor).
  void finish();
  double elapsedSeconds() const;
  double ratePerSecond() const;

 private:
  void draw(bool final);

  std::string label_, unit_, extra_;
  size_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_, lastDraw_;
  int lastDecile_ = -1;
  bool tty_, finished_ = false;
};

}  // namespace cpq
