#pragma once
// Loads frames of a DetectionDataset on a worker thread, ahead of the consumer, into a bounded queue: the
// way training and evaluation receive samples, so that reading point files overlaps with the model.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "dataset/DetectionDataset.h"
#include "preprocess/PointCloud.h"

namespace cpq {

struct Frame {
  size_t index = 0;  // sample index in the dataset
  PointCloud points;
  std::vector<LidarBox> boxes;
};

class FramePrefetcher {
 public:
  // Starts loading dataset frames in `order` at once; at most `depth` (>= 1) finished frames wait.
  // The dataset must outlive the prefetcher.
  FramePrefetcher(const DetectionDataset& dataset, std::vector<size_t> order, size_t depth = 4);
  ~FramePrefetcher();  // stops the worker (an unfinished load completes first) and joins it
  FramePrefetcher(const FramePrefetcher&) = delete;
  FramePrefetcher& operator=(const FramePrefetcher&) = delete;

  // The next frame in order, or nullopt after the last. Rethrows the worker's exception, in order: the
  // frames loaded before the failure come first.
  std::optional<Frame> next();

 private:
  void run();

  const DetectionDataset& dataset_;
  const std::vector<size_t> order_;
  const size_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Frame> ready_;
  std::exception_ptr error_;
  bool finished_ = false;  // the worker produced its last frame or failed
  bool stopping_ = false;  // the destructor asks the worker to end
  std::thread worker_;     // last: started once the members above exist
};

}  // namespace cpq
