#include "ptq/QatRun.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <optional>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/Fingerprint.h"
#include "dataset/DetectionDataset.h"
#include "export/CenterPointOnnxExport.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "model/QuantizedCheckpoint.h"
#include "ptq/Calibration.h"
#include "ptq/CalibrationFile.h"
#include "ptq/ModelPreparation.h"
#include "train/QatWorkDir.h"

namespace cpq {
namespace {
namespace fs = std::filesystem;

void checkJob(const QatJob& job) {
  if (fs::path(job.output).extension() != ".safetensors")
    throw Error("qat --output must name a .safetensors file");
  if (job.trainer.epochs <= 0 || !(job.trainer.lr > 0))
    throw Error("qat: --epochs and --lr must be positive");
  if (job.startEpoch < 0 || job.startEpoch >= job.trainer.epochs)
    throw Error(fmt::format(
        "qat --start-epoch {} must be in [0, --epochs {}): at least one epoch must train quantized",
        job.startEpoch, job.trainer.epochs));
  if (job.startEpoch > 0 && !job.calibrationFile.empty())
    throw Error(
        "qat: --calib and --start-epoch > 0 exclude each other: a calibration file fits the weights it "
        "was made from, and K float epochs move them");
  if (job.startEpoch > 0 && job.distill)
    throw Error(
        "qat: --distill and --start-epoch > 0 exclude each other: in the float epochs the model would "
        "be distilled from itself");
}

// Calibrates the model's quantizers on the first frames of `train` and writes the calibration JSON (the
// job's config: calibration reads its preprocessing and model sections, not the QAT schedule).
void calibrateForQat(CenterPoint& model, const QatJob& job, const DetectionDataset& train,
                     const std::string& path) {
  InferencePipeline pipeline(job.config, model, job.trainer.device);
  const CalibrationResult r = calibrate(pipeline, train, frameIndices(train.size()), job.recipe);
  writeStringAtomically(path, calibrationToJson(*model, r.layers, r.method, r.batches).dump(2) + "\n");
}

std::string mapText(const std::optional<double>& v) {
  return v ? fmt::format("{:.4f}", *v) : std::string("-");
}

nlohmann::ordered_json historyJson(const std::vector<EpochRecord>& history) {
  nlohmann::ordered_json h = nlohmann::ordered_json::array();
  for (const auto& r : history)
    h.push_back({{"epoch", r.epoch},
                 {"mean_loss", r.meanLoss},
                 {"val_map_overall",
                  r.valMap ? nlohmann::ordered_json(*r.valMap) : nlohmann::ordered_json(nullptr)}});
  return h;
}

double overallMap(const EvaluationReport& r) { return r.t4 ? r.t4->mAP.at("overall") : std::nan(""); }

}  // namespace

QatSummaryPaths QatSummaryPaths::forOutput(const std::string& output) {
  const fs::path p(output);
  const std::string stem = (p.parent_path() / p.stem()).string();
  return {stem + ".summary.json", stem + ".summary.md"};
}

QatResult runQat(const QatJob& job) {
  const fs::path out(job.output);
  checkJob(job);
  const std::string pth = (out.parent_path() / (out.stem().string() + ".pth")).string();
  for (const auto& f : {job.output, pth}) refuseToOverwrite(f, job.overwrite);
  const bool compare = job.compare && !job.valSplit.empty() && job.valSplit != "none";
  const QatSummaryPaths summary = QatSummaryPaths::forOutput(job.output);
  if (compare) {
    job.bootstrap.validate("qat --bootstrap");
    for (const auto& f : {summary.json, summary.md}) refuseToOverwrite(f, job.overwrite);
  }
  job.recipe.requireInt8Weights("qat");
  const QatWorkDir work = QatWorkDir::open(job.output, job.workDir, job.trainer.resume, job.startEpoch);

  CenterPointConfig cfg = job.config;
  // QAT's schedule: cosine from --lr down, no rising phase (the model is already trained).
  cfg.optimizer.warmupFraction = 0;
  cfg.optimizer.maxLrRatio = 1;
  cfg.optimizer.valInterval = 1;
  const DetectionDataset train =
      DetectionDataset::open(datasetOptionsFor(cfg, job.dataRoot, job.split, job.splitsFile, job.version));
  std::optional<DetectionDataset> val;
  if (!job.valSplit.empty() && job.valSplit != "none")
    val = DetectionDataset::open(
        datasetOptionsFor(cfg, job.dataRoot, job.valSplit, job.splitsFile, job.version));

  CenterPoint model = loadCenterPoint(cfg, job.checkpoint);
  prepareForQuantization(model, job.recipe);
  fs::create_directories(work.dir);
  if (work.calibratedBefore) {
    applyCalibrationFile(*model,
                         work.calibration);  // amax shapes; the checkpoint then overwrites every value
  } else if (!job.calibrationFile.empty()) {
    applyCalibrationFile(*model, job.calibrationFile);
    writeStringAtomically(work.calibration, readFileToString(job.calibrationFile));
  } else if (work.calibrateNow) {
    calibrateForQat(model, job, train, work.calibration);
  }
  model->to(at::kCPU);

  TrainerOptions o = job.trainer;
  o.workDir = work.dir;
  o.valInterval = 1;
  o.freezeNorms = job.freezeBn;
  o.extraSettings = {
      {"mode", "qat"},
      {"base_checkpoint", job.checkpoint},
      {"base_checkpoint_fnv1a", fileFingerprint(job.checkpoint)},
      {"calibrate_at_epoch", job.startEpoch},
      // Known up front only when calibrated before the first epoch (the final checkpoint's
      // metadata always records it).
      {"calibration_fnv1a", job.startEpoch == 0 ? fileFingerprint(work.calibration) : std::string()},
      {"freeze_bn", o.freezeNorms},
      {"learn_amax", job.recipe.learnAmax},
      {"distill", job.distill},
      {"sensitive_layers", job.recipe.floatLayers}};
  if (job.distill) o.teacher = loadCenterPoint(cfg, job.checkpoint);  // the float model, unfused
  if (job.startEpoch > 0 && !work.calibratedBefore) {
    o.beforeEpoch = [&, K = job.startEpoch](int epoch, CenterPoint& m) {
      if (epoch != K + 1) return;
      spdlog::info("epoch {}: calibrating after {} float epoch(s); quantized from here on", epoch, K);
      calibrateForQat(m, job, train, work.calibration);
    };
  }
  Trainer trainer(cfg, model, train, val ? &*val : nullptr, o);
  QatResult result;
  static_cast<TrainResult&>(result) = trainer.run();

  model->to(at::kCPU);
  model->eval();
  if (!out.parent_path().empty()) fs::create_directories(out.parent_path());
  saveQuantizedCheckpoint(model, job.output,
                          {{"format", "centerpoint-quant fake-quant (qat)"},
                           {"base_checkpoint", job.checkpoint},
                           {"base_checkpoint_fnv1a", fileFingerprint(job.checkpoint)},
                           {"calibration_fnv1a", fileFingerprint(work.calibration)},
                           {"epochs", std::to_string(job.trainer.epochs)},
                           {"lr", fmt::format("{}", job.trainer.lr)}});
  if (!job.onnxDir.empty())
    exportCenterPointOnnx(model, cfg, job.onnxDir, job.recipe.exportOptions(), job.overwrite);
  spdlog::info("wrote {} and {} (run state in {})", job.output, pth, work.dir);
  if (!compare || val->size() == 0) return result;

  // FP32 vs QAT on the same validation frames, paired.
  const std::vector<size_t> frames = frameIndices(val->size(), job.trainer.maxValFrames);
  std::optional<ScoredRun> fp32Run;
  {
    CenterPoint fp32 = loadCenterPoint(cfg, job.checkpoint);
    InferencePipeline pipeline(cfg, fp32, job.trainer.device);
    fp32Run.emplace(scoreOnDataset(pipeline, *val, frames, cfg, "FP32", /*withNuScenes=*/true));
  }
  std::optional<ScoredRun> qatRun;
  {
    InferencePipeline pipeline(cfg, model, job.trainer.device);
    qatRun.emplace(scoreOnDataset(pipeline, *val, frames, cfg, "QAT", /*withNuScenes=*/true));
  }
  model->to(at::kCPU);
  result.fp32 = fp32Run->report;
  result.qat = qatRun->report;
  result.paired = pairedBootstrap(fp32Run->resampled, qatRun->resampled, job.bootstrap, "FP32", "QAT");
  fp32Run.reset();
  qatRun.reset();

  nlohmann::ordered_json j;
  j["checkpoint"] = job.output;
  j["base_checkpoint"] = job.checkpoint;
  j["val_split"] = job.valSplit;
  j["frames"] = frames.size();
  j["epochs"] = job.trainer.epochs;
  j["history"] = historyJson(result.history);
  j["fp32"] = result.fp32->toJson();
  j["qat"] = result.qat->toJson();
  j["paired"] = result.paired->toJson();

  std::string md =
      fmt::format("# QAT summary of {}\n\nBase checkpoint {}; {} epochs; {} frames of split '{}'.\n\n",
                  job.output, job.checkpoint, job.trainer.epochs, frames.size(), job.valSplit);
  md += "## Validation per epoch (range-bucketed mAP, overall)\n\n| epoch | loss | mAP |\n|---|---|---|\n";
  for (const auto& r : result.history)
    md += fmt::format("| {} | {:.4f} | {} |\n", r.epoch, r.meanLoss, mapText(r.valMap));
  md += fmt::format(
      "\n## FP32 vs QAT\n\nmAP (overall) FP32 {:.4f}, QAT {:.4f}; paired bootstrap ({} resamples, seed {}) "
      "of "
      "QAT - FP32 on the same frames:\n\n",
      overallMap(*result.fp32), overallMap(*result.qat), job.bootstrap.resamples, job.bootstrap.seed);
  md += result.paired->markdown();
  result.summaryMarkdown = md;
  writeStringAtomically(summary.json, j.dump(2) + "\n");
  writeStringAtomically(summary.md, md);
  spdlog::info("wrote {} and {}", summary.json, summary.md);
  return result;
}

}  // namespace cpq
