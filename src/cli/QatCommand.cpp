// `qat`: quantization-aware fine-tuning, as the seed's QATHook and TIER IV's QAT config: BN folded (and
// frozen), quantizers inserted and calibrated (or a calibration file reused), the configured sensitive
// layers float, then the training pipeline at a reduced cosine learning rate with amax frozen (learnable
// as an option), AMP off, validation every epoch, resumable checkpoints recording the base checkpoint and
// calibration hashes. The result is a fake-quant checkpoint that exports to Q/DQ ONNX exactly as PTQ's.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "cli/RecipeOptions.h"
#include "cli/TrainingRunOptions.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/Fingerprint.h"
#include "dataset/DetectionDataset.h"
#include "export/CenterPointOnnxExport.h"
#include "export/IoPrecision.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "quant/CalibrationFile.h"
#include "quant/DatasetCalibration.h"
#include "quant/QuantizedCheckpoint.h"
#include "train/Trainer.h"

namespace cpq::cli {
namespace {
namespace fs = std::filesystem;

struct QatArgs {
  std::string config, checkpoint, output, calib, workDir, onnxDir;
  TrainingRunOptions run = qatDefaults();
  RecipeOptions recipe;
  int64_t startEpoch = 0;
  bool distill = false, noFreezeBn = false, learnAmax = false, overwrite = false;

  static TrainingRunOptions qatDefaults() {
    TrainingRunOptions o;
    o.epochs = 3;  // TIER IV's QAT config
    o.lr = 1e-4;
    return o;
  }
};

// A resume must continue a QAT run (not an FP32 `train` run in the same folder); returns its finished epochs.
int requireQatRun(const std::string& workDir) {
  const std::string latest = (fs::path(workDir) / "latest.json").string();
  if (!fs::exists(latest))
    throw fileError(latest, "nothing to resume (no finished QAT epoch in the work dir)");
  const auto j = nlohmann::json::parse(readFileToString(latest));
  if (!j.contains("settings") || j["settings"].value("mode", "") != "qat")
    throw fileError(latest,
                    "is not a QAT run (its settings have no \"mode\": \"qat\"); resume it with `train`");
  return j.value("epoch", 0);
}

// Calibrates the model's quantizers on the first frames of `train` and writes the calibration JSON.
void calibrateForQat(CenterPoint& model, const CenterPointConfig& cfg, const QuantizationConfig& q,
                     const DetectionDataset& train, const at::Device& device, const std::string& calibPath) {
  InferencePipeline pipeline(cfg, model, device);
  DatasetCalibrationOptions co;
  co.batches = q.numBatches;
  co.amax = amaxOptionsFor(q);
  const DatasetCalibrationResult r = calibrateOnDataset(pipeline, train, frameIndices(train.size()), co);
  const auto json =
      calibrationToJson(*model, r.layers, describeMethod(quantRecipeFor(q).input, co.amax), r.batches);
  writeStringAtomically(calibPath, json.dump(2) + "\n");
}

void runQat(const QatArgs& a) {
  const TrainingRunOptions& run = a.run;
  const fs::path out(a.output);
  if (out.extension() != ".safetensors") throw Error("qat --output must name a .safetensors file");
  const std::string pth = (out.parent_path() / (out.stem().string() + ".pth")).string();
  const std::string workDir =
      a.workDir.empty() ? (out.parent_path() / (out.stem().string() + "_work")).string() : a.workDir;
  const std::string calibCopy = (fs::path(workDir) / "calibration.json").string();
  for (const auto& f : {a.output, pth}) refuseToOverwrite(f, a.overwrite);
  if (run.epochs <= 0 || !(run.lr > 0)) throw Error("qat: --epochs and --lr must be positive");
  if (a.startEpoch < 0 || a.startEpoch >= run.epochs)
    throw Error(
        fmt::format("qat --start-epoch {} must be in [0, --epochs {}): at least one epoch must train "
                    "quantized",
                    a.startEpoch, run.epochs));
  if (a.startEpoch > 0 && !a.calib.empty())
    throw Error(
        "qat: --calib and --start-epoch > 0 exclude each other: a calibration file fits the weights it "
        "was made from, and K float epochs move them");
  if (a.startEpoch > 0 && a.distill)
    throw Error(
        "qat: --distill and --start-epoch > 0 exclude each other: in the float epochs the model would "
        "be distilled from itself");
  int finishedEpochs = 0;
  if (run.resume)
    finishedEpochs = requireQatRun(workDir);
  else if (fs::exists(fs::path(workDir) / "latest.json"))
    throw fileError(workDir, "already holds a run; pass --resume to continue it or use another --work-dir");
  // Calibrated before the first epoch (K = 0) or at the start of epoch K + 1; a resumed run is calibrated
  // once an epoch after K has finished (its checkpoint then carries every amax).
  const bool calibrateNow = a.startEpoch == 0 && !run.resume;
  const bool calibratedBefore = run.resume && (a.startEpoch == 0 || finishedEpochs > a.startEpoch);

  CenterPointConfig cfg = loadConfig(a.config);
  // QAT's schedule: cosine from --lr down, no rising phase (the model is already trained).
  cfg.optimizer.warmupFraction = 0;
  cfg.optimizer.maxLrRatio = 1;
  cfg.optimizer.valInterval = 1;
  QuantizationConfig q = applyRecipeOptions(cfg.quantization, a.recipe, "qat");
  q.learnAmax = q.learnAmax || a.learnAmax;
  TrainerOptions o = trainerOptionsFor(run, workDir);  // parses --device before any work
  const at::Device device = o.device;
  const DetectionDataset train = DetectionDataset::open(run.datasetFor(cfg, run.split));
  std::optional<DetectionDataset> val;
  if (run.validates()) val = DetectionDataset::open(run.datasetFor(cfg, run.valSplit));

  CenterPoint model = loadCenterPoint(cfg, a.checkpoint);
  prepareForQuantization(model, q);
  fs::create_directories(workDir);
  if (calibratedBefore) {
    applyCalibrationFile(*model, calibCopy);  // amax shapes; the checkpoint then overwrites every value
  } else if (!a.calib.empty()) {
    applyCalibrationFile(*model, a.calib);
    writeStringAtomically(calibCopy, readFileToString(a.calib));
  } else if (calibrateNow) {
    calibrateForQat(model, cfg, q, train, device, calibCopy);
  }
  model->to(at::kCPU);

  o.valInterval = 1;
  o.freezeNorms = !a.noFreezeBn;
  o.extraSettings = {{"mode", "qat"},
                     {"base_checkpoint", a.checkpoint},
                     {"base_checkpoint_fnv1a", fileFingerprint(a.checkpoint)},
                     {"calibrate_at_epoch", a.startEpoch},
                     // Known up front only when calibrated before the first epoch (the final checkpoint's
                     // metadata always records it).
                     {"calibration_fnv1a", a.startEpoch == 0 ? fileFingerprint(calibCopy) : std::string()},
                     {"freeze_bn", o.freezeNorms},
                     {"learn_amax", q.learnAmax},
                     {"distill", a.distill},
                     {"sensitive_layers", q.sensitiveLayers}};
  if (a.distill) o.teacher = loadCenterPoint(cfg, a.checkpoint);  // the float model, unfused
  if (a.startEpoch > 0 && !calibratedBefore) {
    o.beforeEpoch = [&, K = int(a.startEpoch)](int epoch, CenterPoint& m) {
      if (epoch != K + 1) return;
      spdlog::info("epoch {}: calibrating after {} float epoch(s); quantized from here on", epoch, K);
      calibrateForQat(m, cfg, q, train, device, calibCopy);
    };
  }
  Trainer trainer(cfg, model, train, val ? &*val : nullptr, o);
  const TrainResult result = trainer.run();

  model->to(at::kCPU);
  model->eval();
  const fs::path parent = out.parent_path();
  if (!parent.empty()) fs::create_directories(parent);
  saveQuantizedCheckpoint(model, a.output,
                          {{"format", "centerpoint-quant fake-quant (qat)"},
                           {"base_checkpoint", a.checkpoint},
                           {"base_checkpoint_fnv1a", fileFingerprint(a.checkpoint)},
                           {"calibration_fnv1a", fileFingerprint(calibCopy)},
                           {"epochs", std::to_string(run.epochs)},
                           {"lr", fmt::format("{}", run.lr)}});
  if (!a.onnxDir.empty())
    exportCenterPointOnnx(model, cfg, a.onnxDir, withQuantizationPrecision(OnnxExportOptions{}, q),
                          a.overwrite);
  std::cout << "\nQAT validation (range-bucketed mAP, overall):\n";
  for (const auto& r : result.history)
    std::cout << fmt::format("  epoch {:>2}: loss {:.4f}  mAP {}\n", r.epoch, r.meanLoss,
                             r.valMap ? fmt::format("{:.4f}", *r.valMap) : std::string("-"));
  spdlog::info("wrote {} and {} (run state in {})", a.output, pth, workDir);
}

}  // namespace

void addQatCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "qat", "Quantization-aware fine-tuning of a trained model (fake-quant checkpoint out)");
  auto a = std::make_shared<QatArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML) with its quantization section")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", a->checkpoint, "Trained FP32 weights")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--output", a->output, "Fake-quant checkpoint to write (.safetensors; .pth next to it)")
      ->required();
  addTrainingRunOptions(cmd, a->run, "Training (and calibration) split");
  addRecipeOptions(cmd, a->recipe);
  cmd->add_option("--calib", a->calib, "Reuse this calibration JSON instead of calibrating")
      ->check(CLI::ExistingFile);
  cmd->add_option("--start-epoch", a->startEpoch,
                  "Float epochs (frozen BN) before calibrating; quantized fine-tuning from epoch K + 1")
      ->capture_default_str();
  cmd->add_flag("--distill", a->distill,
                "Learn to reproduce the float model's head outputs (the --checkpoint as teacher) instead of "
                "the labels");
  cmd->add_flag("--no-freeze-bn", a->noFreezeBn, "Let BatchNorm statistics update (default: frozen)");
  cmd->add_flag("--learn-amax", a->learnAmax, "PACT-style learnable activation amax (default: frozen)");
  cmd->add_option("--work-dir", a->workDir, "Checkpoints and state (default: <output stem>_work)");
  cmd->add_option("--onnx-dir", a->onnxDir, "Also export the INT8 Q/DQ ONNX pair here");
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing --output files");
  cmd->callback([a] { runQat(*a); });
}

}  // namespace cpq::cli
