// `train`: FP32 training of a config on a dataset split, checkpoints and validation in --work-dir.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "config/CenterPointConfig.h"
#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "model/LoadModel.h"
#include "train/Trainer.h"

namespace cpq::cli {
namespace {

struct TrainArgs {
  std::string config, data, version, workDir, split = "train", valSplit = "val", splits, init, device = "cpu";
  std::string copyTo;
  int epochs = 0, batchSize = 0, workers = 2, valInterval = 0;
  double lr = 0;
  uint64_t seed = 0;
  size_t maxValFrames = 0;
  bool resume = false, noAugment = false;
};

DatasetOptions splitOptions(const TrainArgs& a, const CenterPointConfig& cfg, const std::string& split) {
  return datasetOptionsFor(cfg, a.data, split, a.splits, a.version);
}

// A config whose classes never occur in the data would train a detector of nothing.
void requireClassesPresent(const DetectionDataset& ds, const CenterPointConfig& cfg) {
  for (const auto& s : ds.samples())
    for (const auto& b : s.boxes)
      if (!b.className.empty()) return;
  throw Error(fmt::format("train: none of the config's classes ({}) occurs in the training split of {}",
                          fmt::join(cfg.classNames, ", "),
                          ds.sceneNames().empty() ? "the data" : ds.sceneNames()[0]));
}

void copyFiles(const std::vector<std::string>& files, const std::string& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& f : files)
    std::filesystem::copy_file(f, std::filesystem::path(dir) / std::filesystem::path(f).filename(),
                               std::filesystem::copy_options::overwrite_existing);
}

void runTrain(const TrainArgs& a) {
  const CenterPointConfig cfg = loadConfig(a.config);
  const at::Device device = parseDevice(a.device);
  const DetectionDataset train = DetectionDataset::open(splitOptions(a, cfg, a.split));
  if (train.size() == 0) throw Error("train: the split '" + a.split + "' of " + a.data + " has no samples");
  requireClassesPresent(train, cfg);
  std::optional<DetectionDataset> val;
  if (!a.valSplit.empty() && a.valSplit != "none")
    val = DetectionDataset::open(splitOptions(a, cfg, a.valSplit));
  spdlog::info("train: {} frames ({}), validation: {} frames ({})", train.size(), a.split,
               val ? val->size() : 0, val ? a.valSplit : "none");
  TrainerOptions o;
  o.workDir = a.workDir;
  o.epochs = a.epochs;
  o.batchSize = a.batchSize;
  o.lr = a.lr;
  o.valInterval = a.valInterval;
  o.maxValFrames = a.maxValFrames;
  o.seed = a.seed;
  o.loaderWorkers = a.workers;
  o.resume = a.resume;
  o.device = device;
  o.augment = !a.noAugment;
  if (!a.copyTo.empty())
    o.onCheckpoint = [dir = a.copyTo](const std::vector<std::string>& f) { copyFiles(f, dir); };
  CenterPoint model =
      makeCenterPoint(cfg, a.init.empty() ? std::nullopt : std::optional<std::string>(a.init), a.seed);
  Trainer trainer(cfg, model, train, val ? &*val : nullptr, o);
  const TrainResult r = trainer.run();
  spdlog::info("train: done, final checkpoint {}", r.finalCheckpoint);
}

}  // namespace

void addTrainCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a config on a nuScenes / T4 dataset split (FP32)");
  auto a = std::make_shared<TrainArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--data", a->data, "Dataset root")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--work-dir", a->workDir, "Checkpoints and training state go here")->required();
  cmd->add_option("--version", a->version, "nuScenes version folder when the dataroot has several");
  cmd->add_option("--split", a->split, "Training split")->capture_default_str();
  cmd->add_option("--val-split", a->valSplit, "Validation split ('none' to skip)")->capture_default_str();
  cmd->add_option("--splits", a->splits, "Splits file (YAML: split -> scene names)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--epochs", a->epochs, "Epochs (default: config train.epochs)");
  cmd->add_option("--batch-size", a->batchSize, "Frames per batch (default: config train.batch_size)");
  cmd->add_option("--lr", a->lr, "Base learning rate (default: config train.optimizer.lr)");
  cmd->add_option("--val-interval", a->valInterval, "Epochs between validations (default: config)");
  cmd->add_option("--max-val-frames", a->maxValFrames, "Validate on the first N val frames only");
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed of initialisation, data order and augmentation")
      ->capture_default_str();
  cmd->add_option("--workers", a->workers, "Data-loading threads")->capture_default_str();
  cmd->add_option("--init", a->init, "Start from these weights instead of a random init")
      ->check(CLI::ExistingFile);
  cmd->add_option("--copy-checkpoints-to", a->copyTo, "Also copy each checkpoint into this folder");
  cmd->add_flag("--resume", a->resume, "Continue the run in --work-dir after its last finished epoch");
  cmd->add_flag("--no-augment", a->noAugment, "Filters only: no flips, rotation, scaling or shuffling");
  cmd->callback([a] { runTrain(*a); });
}

}  // namespace cpq::cli
