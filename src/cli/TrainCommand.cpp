// `train`: FP32 training of a config on a dataset split, checkpoints and validation in --work-dir.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "cli/TrainingRunOptions.h"
#include "config/CenterPointConfig.h"
#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "model/LoadModel.h"
#include "train/Trainer.h"

namespace cpq::cli {
namespace {

struct TrainArgs {
  std::string config, workDir, init, copyTo;
  TrainingRunOptions run;
  int valInterval = 0;
};

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
  const TrainingRunOptions& run = a.run;
  TrainerOptions o = trainerOptionsFor(run, a.workDir);
  o.valInterval = a.valInterval;
  const DetectionDataset train = DetectionDataset::open(run.datasetFor(cfg, run.split));
  if (train.size() == 0)
    throw Error("train: the split '" + run.split + "' of " + run.data + " has no samples");
  requireClassesPresent(train, cfg);
  std::optional<DetectionDataset> val;
  if (run.validates()) val = DetectionDataset::open(run.datasetFor(cfg, run.valSplit));
  spdlog::info("train: {} frames ({}), validation: {} frames ({})", train.size(), run.split,
               val ? val->size() : 0, val ? run.valSplit : "none");
  if (!a.copyTo.empty())
    o.onCheckpoint = [dir = a.copyTo](const std::vector<std::string>& f) { copyFiles(f, dir); };
  CenterPoint model =
      makeCenterPoint(cfg, a.init.empty() ? std::nullopt : std::optional<std::string>(a.init), run.seed);
  Trainer trainer(cfg, model, train, val ? &*val : nullptr, o);
  const TrainResult r = trainer.run();
  spdlog::info("train: done, final checkpoint {}", r.finalCheckpoint);
}

}  // namespace

void addTrainCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("train", "Train a config on a nuScenes / T4 dataset split (FP32)");
  auto a = std::make_shared<TrainArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--work-dir", a->workDir, "Checkpoints and training state go here")->required();
  addTrainingRunOptions(cmd, a->run, "Training split");
  cmd->add_option("--val-interval", a->valInterval, "Epochs between validations (default: config)");
  cmd->add_option("--init", a->init, "Start from these weights instead of a random init")
      ->check(CLI::ExistingFile);
  cmd->add_option("--copy-checkpoints-to", a->copyTo, "Also copy each checkpoint into this folder");
  cmd->callback([a] { runTrain(*a); });
}

}  // namespace cpq::cli
