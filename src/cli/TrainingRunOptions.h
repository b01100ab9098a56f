#pragma once
// The options of a training run that `train` and `qat` share (data and splits, schedule overrides,
// loader, device, seed, resume) and the trainer options they become, declared once so that both
// commands accept and mean the same flags.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

#include "cli/CliSupport.h"
#include "train/Trainer.h"

namespace cpq::cli {

struct TrainingRunOptions {
  std::string data, version, splits, split = "train", valSplit = "val", device = "cpu";
  int epochs = 0;     // 0: the config's train.epochs
  int batchSize = 0;  // 0: the config's train.batch_size
  double lr = 0;      // 0: the config's train.optimizer.lr
  int workers = 2;
  size_t maxValFrames = 0;
  uint64_t seed = 0;
  bool resume = false, noAugment = false;

  DatasetOptions datasetFor(const CenterPointConfig& cfg, const std::string& whichSplit) const {
    return datasetOptionsFor(cfg, data, whichSplit, splits, version);
  }
  bool validates() const { return !valSplit.empty() && valSplit != "none"; }
};

// --data, --version, --splits, --split, --val-split, --epochs, --batch-size, --lr, --max-val-frames,
// --device, --seed, --workers, --resume, --no-augment. Non-zero epochs / lr in `o` are the command's own
// defaults (shown in --help); zero means the config's.
void addTrainingRunOptions(CLI::App* cmd, TrainingRunOptions& o, const std::string& splitHelp);

// The trainer options of the run (work dir, schedule overrides, loader, device, resume, augmentation).
TrainerOptions trainerOptionsFor(const TrainingRunOptions& o, const std::string& workDir);

}  // namespace cpq::cli
