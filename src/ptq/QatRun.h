#pragma once
// Quantization-aware fine-tuning (what `qat` runs), as the seed's QATHook and TIER IV's QAT config: BN
// folded (and frozen), quantizers inserted and calibrated (or a calibration file reused; or calibrated
// after K float epochs), the recipe's float layers float, then the Trainer at a reduced cosine learning
// rate with amax frozen (learnable as an option), validation every epoch, resumable checkpoints recording
// the base checkpoint and calibration hashes (train/QatWorkDir). The result is a fake-quant checkpoint
// that exports to Q/DQ ONNX exactly as PTQ's. With a validation split, the run ends with a summary
// (<output stem>.summary.json / .md): the validation per epoch and FP32 (the base checkpoint) vs the QAT
// model on the same validation frames, with paired bootstrap 95% intervals of the difference.
#include <optional>
#include <string>

#include "config/CenterPointConfig.h"
#include "eval/DatasetEvaluation.h"
#include "eval/PairedBootstrap.h"
#include "ptq/QuantRecipe.h"
#include "train/Trainer.h"

namespace cpq {

struct QatJob {
  CenterPointConfig config;  // its optimizer schedule is replaced by QAT's (cosine down from the lr)
  QuantRecipe recipe;
  std::string checkpoint;  // the trained FP32 weights
  std::string dataRoot, splitsFile, version;
  std::string split = "train", valSplit = "val";  // valSplit empty or "none": no validation
  TrainerOptions trainer;       // epochs, lr, batch, loader, device, seed, resume (work dir set by the run)
  std::string output;           // the .safetensors checkpoint (.pth next to it)
  std::string workDir;          // empty: <output stem>_work
  std::string calibrationFile;  // non-empty: reuse this calibration JSON instead of calibrating
  int startEpoch = 0;           // K float epochs (frozen BN) before calibrating
  bool distill = false;         // learn the float model's head outputs instead of the labels
  bool freezeBn = true;
  std::string onnxDir;  // empty: no ONNX export
  bool overwrite = false;
  // With a validation split: FP32 vs the QAT model on the validation frames (trainer.maxValFrames of
  // them) in the summary. False: no summary.
  bool compare = true;
  BootstrapOptions bootstrap;  // the comparison's intervals
};

// <output stem>.summary.json and .summary.md.
struct QatSummaryPaths {
  std::string json, md;
  static QatSummaryPaths forOutput(const std::string& output);
};

struct QatResult : TrainResult {
  // With the comparison: both models' reports on the same validation frames and their paired bootstrap
  // ("FP32" vs "QAT"; diff = QAT - FP32).
  std::optional<EvaluationReport> fp32, qat;
  std::optional<PairedComparison> paired;
  std::string summaryMarkdown;  // what .summary.md holds (empty without the comparison)
};

// Checks the job (before any work), runs it and writes the checkpoint (+ ONNX pair, + summary).
QatResult runQat(const QatJob& job);

}  // namespace cpq
