#pragma once
// The training loop of `train` (and later `qat`): epochs of shuffled, augmented batches from the background
// loader through TrainStep, AWML's schedule, validation every few epochs, and atomic checkpoints in the
// work dir from which --resume continues exactly (weights, AdamW moments, step count; the data order and
// augmentation are functions of (seed, epoch, sample) and the schedule a function of the step).
//
// Work dir layout, per finished epoch e:
//   epoch_<e>.safetensors        the model, AWML parameter names (what eval / ptq / export read)
//   epoch_<e>.optim.safetensors  AdamW state by parameter name
//   epoch_<e>.state.json         epoch, step, run settings, loss / validation history
//   latest.json                  a copy of the newest state (written last: its presence marks the epoch done)
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <torch/optim/adamw.h>
#include <nlohmann/json.hpp>

#include "config/CenterPointConfig.h"
#include "dataset/DetectionDataset.h"
#include "model/CenterPoint.h"

namespace cpq {

struct TrainerOptions {
  std::string workDir;
  int epochs = 0;           // 0 = config
  int batchSize = 0;        // 0 = config
  double lr = 0;            // 0 = config
  int valInterval = 0;      // 0 = config
  size_t maxValFrames = 0;  // 0 = the whole val split
  uint64_t seed = 0;
  int loaderWorkers = 2;
  bool resume = false;
  at::Device device = at::kCPU;
  bool augment = true;
  bool freezeNorms = false;  // BatchNorm statistics fixed (QAT)
  // Recorded with the run settings (a resume must match them): e.g. QAT's mode, base checkpoint and
  // calibration hashes.
  nlohmann::ordered_json extraSettings = nlohmann::ordered_json::object();
  // Distillation teacher (QAT): the loss is the distillation loss against its outputs (TrainStep).
  CenterPoint teacher{nullptr};
  // Called at the start of every epoch that runs (also after a resume), with the model on the device; it
  // may add parameters (e.g. learnable amax registered by a calibration at that epoch), which join the
  // optimizer as a new parameter group.
  std::function<void(int epoch, CenterPoint& model)> beforeEpoch;
  // Called after each checkpoint with the paths written (e.g. to copy them off a GPU machine).
  std::function<void(const std::vector<std::string>&)> onCheckpoint;
};

struct EpochRecord {
  int epoch = 0;
  int64_t step = 0;
  double meanLoss = 0;
  double lastLr = 0;
  double seconds = 0;
  double framesPerSecond = 0;
  std::optional<double> valMap;  // range-bucketed mAP, overall bucket
  nlohmann::ordered_json toJson() const;
};

struct TrainResult {
  std::vector<EpochRecord> history;
  std::string finalCheckpoint;
};

class Trainer {
 public:
  // val may be null (no validation). model is trained in place.
  Trainer(const CenterPointConfig& cfg, CenterPoint model, const DetectionDataset& train,
          const DetectionDataset* val, TrainerOptions options);
  TrainResult run();

 private:
  std::optional<double> validate();
  void writeCheckpoint(int epoch, int64_t step, const std::vector<EpochRecord>& history,
                       torch::optim::AdamW& optimizer);

  CenterPointConfig cfg_;
  CenterPoint model_;
  const DetectionDataset& train_;
  const DetectionDataset* val_;
  TrainerOptions opt_;
};

// The settings a run is fixed to (a resume must match them): epochs, batch size, lr, seed, augmentation.
nlohmann::ordered_json runSettings(const CenterPointConfig& cfg, const TrainerOptions& o);

}  // namespace cpq
