#include "cli/TrainingRunOptions.h"

namespace cpq::cli {

void addTrainingRunOptions(CLI::App* cmd, TrainingRunOptions& o, const std::string& splitHelp) {
  cmd->add_option("--data", o.data, "Dataset root")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--version", o.version, "nuScenes version folder when the dataroot has several");
  cmd->add_option("--splits", o.splits, "Splits file (YAML: split -> scene names)")->check(CLI::ExistingFile);
  cmd->add_option("--split", o.split, splitHelp)->capture_default_str();
  cmd->add_option("--val-split", o.valSplit, "Validation split ('none' to skip)")->capture_default_str();
  auto* epochs =
      cmd->add_option("--epochs", o.epochs, o.epochs ? "Epochs" : "Epochs (default: config train.epochs)");
  if (o.epochs) epochs->capture_default_str();
  cmd->add_option("--batch-size", o.batchSize, "Frames per batch (default: config train.batch_size)");
  auto* lr = cmd->add_option("--lr", o.lr,
                             o.lr > 0 ? "Starting learning rate (cosine down)"
                                      : "Base learning rate (default: config train.optimizer.lr)");
  if (o.lr > 0) lr->capture_default_str();
  cmd->add_option("--max-val-frames", o.maxValFrames, "Validate on the first N val frames only");
  cmd->add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of data order and augmentation (and of a random init)")
      ->capture_default_str();
  cmd->add_option("--workers", o.workers, "Data-loading threads")->capture_default_str();
  cmd->add_flag("--resume", o.resume, "Continue the run in the work dir after its last finished epoch");
  cmd->add_flag("--no-augment", o.noAugment, "Filters only: no flips, rotation, scaling or shuffling");
}

TrainerOptions trainerOptionsFor(const TrainingRunOptions& o, const std::string& workDir) {
  TrainerOptions t;
  t.workDir = workDir;
  t.epochs = o.epochs;
  t.batchSize = o.batchSize;
  t.lr = o.lr;
  t.maxValFrames = o.maxValFrames;
  t.seed = o.seed;
  t.loaderWorkers = o.workers;
  t.resume = o.resume;
  t.device = parseDevice(o.device);
  t.augment = !o.noAugment;
  return t;
}

}  // namespace cpq::cli
