#pragma once
// Post-training quantization of a trained model on a dataset, end to end (what `ptq` runs): fuse BN/ReLU,
// insert quantizers (the recipe's float layers kept float), calibrate on one split, evaluate FP32 and
// INT8 on another, measure every layer's SQNR, then write the fake-quant checkpoint (.safetensors + .pth),
// the calibration JSON, the TensorRT cache, the report (.json + .md) and optionally the INT8 ONNX pair.
// Everything is computed before the first file is written; each file is written atomically.
#include <string>
#include <vector>

#include "config/CenterPointConfig.h"
#include "eval/PairedBootstrap.h"
#include "export/OnnxExportOptions.h"
#include "ptq/Calibration.h"
#include "ptq/PtqReport.h"
#include "ptq/QuantRecipe.h"

namespace cpq {

// The files of a run, all next to the checkpoint: <stem>.safetensors, .pth, .calib.json,
// .trt_calib.cache, .report.json, .report.md and the report's figures <stem>.report.<figure>.png.
struct PtqOutputPaths {
  std::string checkpoint, pth, calib, trtCache, reportJson, reportMd;
  std::string figureStem;  // <stem>.report: a figure with suffix "buckets.png" is <stem>.report.buckets.png
  static const std::vector<std::string>& figureSuffixes();

  // cpq::Error when `checkpoint` is not a .safetensors path.
  static PtqOutputPaths forCheckpoint(const std::string& checkpoint);
  std::vector<std::string> all() const;
};

struct PtqJob {
  CenterPointConfig config;
  QuantRecipe recipe;      // the config's with the command line's overrides
  std::string configPath;  // for the report's settings
  std::string checkpoint;  // the trained FP32 weights
  std::string dataRoot, splitsFile, version;
  std::string calibrationSplit = "train", evaluationSplit = "val";
  CalibrationOptions calibration;
  size_t maxEvalFrames = 0;    // 0: every frame of the evaluation split
  BootstrapOptions bootstrap;  // FP32 vs INT8 intervals in the report
  bool noiseCurve = false;     // also the intervals on the first 50, 100, 200, ... evaluation frames
  bool figures = true;         // the report's PNG figures (when the build has libpng)
  int64_t sqnrFrames = 4;      // evaluation frames for the per-layer SQNR
  at::Device device = at::kCPU;
  std::string output;      // the .safetensors checkpoint; the other files go next to it
  std::string onnxDir;     // empty: no ONNX export
  OnnxExportOptions onnx;  // name / autoware (graph I/O types come from the recipe)
  bool overwrite = false;
};

struct PtqResult {
  PtqReport report;
  PtqOutputPaths paths;
  size_t evaluationFrames = 0;
};

// Runs the job; existing outputs are refused (before any work) unless job.overwrite.
PtqResult runPtq(const PtqJob& job);

}  // namespace cpq
