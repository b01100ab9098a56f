#include "train/BatchLoader.h"

#include <numeric>

#include "train/Rng.h"
#include "train/TrainPipeline.h"

namespace cpq {

BatchPlan planEpoch(size_t numFrames, int batchSize, uint64_t seed, uint64_t epoch) {
  std::vector<size_t> order(numFrames);
  std::iota(order.begin(), order.end(), size_t{0});
  // Fisher-Yates with our own Rng (std::shuffle's use of the engine is not specified across libraries).
  Rng rng = Rng::forSample(seed, epoch, ~uint64_t{0});
  for (size_t i = numFrames; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  BatchPlan plan;
  plan.seed = seed;
  plan.epoch = epoch;
  for (size_t start = 0; start < numFrames; start += size_t(batchSize))
    plan.batches.emplace_back(order.begin() + start, order.begin() + std::min(numFrames, start + batchSize));
  return plan;
}

BatchLoader::BatchLoader(const CenterPointConfig& cfg, const DetectionDataset& dataset, BatchPlan plan,
                         int workers, size_t window)
    : cfg_(cfg), dataset_(dataset), plan_(std::move(plan)), window_(std::max<size_t>(window, 1)) {
  for (int w = 0; w < std::max(workers, 1); ++w) workers_.emplace_back([this, w] { work(size_t(w)); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& t : workers_) t.join();
}

TrainBatch BatchLoader::load(const std::vector<size_t>& indices, const BatchCollator& collator) const {
  std::vector<TrainFrame> frames;
  frames.reserve(indices.size());
  for (size_t i : indices) {
    TrainFrame f{dataset_.loadPoints(i).points, dataset_.lidarBoxes(i)};
    if (plan_.augment) {
      Rng rng = Rng::forSample(plan_.seed, plan_.epoch, i);
      frames.push_back(applyTrainPipeline(std::move(f), cfg_, rng));
    } else {
      frames.push_back(applyTrainFilters(std::move(f), cfg_));
    }
  }
  TrainBatch batch = collator.collate(frames);
  // Pinned host memory lets TrainBatch::to copy to the GPU without blocking the step.
  if (at::hasCUDA()) {
    batch.features = batch.features.pin_memory();
    batch.coords = batch.coords.pin_memory();
  }
  return batch;
}

void BatchLoader::work(size_t /*worker*/) {
  const BatchCollator collator(cfg_);  // one Voxelizer per thread
  while (true) {
    size_t k;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || nextToClaim_ < nextToTake_ + window_; });
      if (stopping_ || error_ || nextToClaim_ >= plan_.batches.size()) return;
      k = nextToClaim_++;
    }
    try {
      TrainBatch batch = load(plan_.batches[k], collator);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(k, std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    changed_.notify_all();
  }
}

std::optional<TrainBatch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (nextToTake_ >= plan_.batches.size()) return std::nullopt;
  changed_.wait(lock, [&] { return ready_.count(nextToTake_) != 0 || error_; });
  auto it = ready_.find(nextToTake_);
  if (it == ready_.end()) std::rethrow_exception(error_);
  TrainBatch batch = std::move(it->second);
  ready_.erase(it);
  ++nextToTake_;
  lock.unlock();
  changed_.notify_all();
  return batch;
}

}  // namespace cpq
