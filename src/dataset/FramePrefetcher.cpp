#include "dataset/FramePrefetcher.h"

#include <stdexcept>
#include <utility>

namespace cpq {

FramePrefetcher::FramePrefetcher(const DetectionDataset& dataset, std::vector<size_t> order, size_t depth)
    : dataset_(dataset), order_(std::move(order)), depth_(depth) {
  if (depth_ == 0) throw std::invalid_argument("FramePrefetcher: depth must be at least 1");
  worker_ = std::thread([this] { run(); });
}

FramePrefetcher::~FramePrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void FramePrefetcher::run() {
  try {
    for (size_t index : order_) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return stopping_ || ready_.size() < depth_; });
        if (stopping_) break;
      }
      Frame frame{index, dataset_.loadPoints(index), dataset_.lidarBoxes(index)};
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(std::move(frame));
      }
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
  }
  changed_.notify_all();
}

std::optional<Frame> FramePrefetcher::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !ready_.empty() || finished_; });
  if (!ready_.empty()) {
    Frame frame = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    changed_.notify_all();
    return frame;
  }
  if (error_) {
    std::exception_ptr error = std::exchange(error_, nullptr);
    std::rethrow_exception(error);
  }
  return std::nullopt;
}

}  // namespace cpq
