#pragma once
// The background loader of training batches: worker threads read frames, run the train pipeline (seeded
// per frame, so the result does not depend on which worker draws it) and collate, ahead of the consumer,
// so the device never waits for data. Batches come out in plan order.
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "config/CenterPointConfig.h"
#include "dataset/DetectionDataset.h"
#include "train/TrainBatch.h"

namespace cpq {

struct BatchPlan {
  uint64_t seed = 0;
  uint64_t epoch = 0;
  std::vector<std::vector<size_t>> batches;  // dataset indices of each batch, in consumption order
  bool augment = true;                       // false: filters only (no flip / rotation / shuffle)
};

// The epoch's frame order and batches: a permutation drawn from (seed, epoch), cut into batches of
// batchSize (the last one may be smaller), as mmengine's DefaultSampler(shuffle=True) with drop_last off.
BatchPlan planEpoch(size_t numFrames, int batchSize, uint64_t seed, uint64_t epoch);

class BatchLoader {
 public:
  // workers >= 1 threads; at most `window` batches are loaded ahead of the consumer.
  BatchLoader(const CenterPointConfig& cfg, const DetectionDataset& dataset, BatchPlan plan, int workers,
              size_t window = 4);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch in plan order, nullopt after the last; rethrows a worker's exception.
  std::optional<TrainBatch> next();

 private:
  void work(size_t worker);
  TrainBatch load(const std::vector<size_t>& indices, const BatchCollator& collator) const;

  const CenterPointConfig& cfg_;
  const DetectionDataset& dataset_;
  const BatchPlan plan_;
  const size_t window_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<size_t, TrainBatch> ready_;
  std::exception_ptr error_;
  size_t nextToTake_ = 0;   // consumer position
  size_t nextToClaim_ = 0;  // next batch a worker starts
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace cpq
