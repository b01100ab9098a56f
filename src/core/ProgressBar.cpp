#include "core/ProgressBar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace cpq {
namespace {

std::string formatDuration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
  return fmt::format("{:02}:{:02}", s / 60, s % 60);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, size_t total, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      lastDraw_(start_),
      tty_(isatty(fileno(stderr)) != 0) {}

ProgressBar::~ProgressBar() { finish(); }

double ProgressBar::elapsedSeconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double ProgressBar::ratePerSecond() const {
  const double t = elapsedSeconds();
  return t > 0 ? double(done_) / t : 0.0;
}

void ProgressBar::advance(size_t n, const std::string& extra) {
  done_ += n;
  extra_ = extra;
  const auto now = std::chrono::steady_clock::now();
  if (tty_) {
    if (now - lastDraw_ < std::chrono::milliseconds(200) && done_ != total_) return;
    lastDraw_ = now;
    draw(false);
    return;
  }
  const int decile = total_ ? int(10 * done_ / total_) : -1;
  if (decile != lastDecile_) {
    lastDecile_ = decile;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final) {
  const double rate = ratePerSecond();
  std::string bar;
  if (total_) {
    const int width = 24;
    const int filled = int(width * double(done_) / double(total_));
    bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  }
  const std::string count = total_ ? fmt::format("{}/{}", done_, total_) : fmt::format("{}", done_);
  const double eta = total_ && rate > 0 ? double(total_ - done_) / rate : -1;
  std::string line = fmt::format("{} {}{} {} | {:.1f} {}/s | {} elapsed", label_, bar, count, unit_, rate,
                                 unit_, formatDuration(elapsedSeconds()));
  if (!final && total_) line += " | ETA " + formatDuration(eta);
  if (!extra_.empty()) line += " | " + extra_;
  if (tty_)
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
  else
    std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace cpq
