#pragma once
// What `export` runs: Autoware's two ONNX files and its param file, from
//   - float weights (FP32 graphs),
//   - float weights plus a dataset (`--data`): the recipe's model prepared and calibrated on a split, then
//     INT8 Q/DQ graphs in one step,
//   - a fake-quant checkpoint (`--quantized`, the output of ptq / qat): INT8 Q/DQ graphs.
// INT8 exports take their graph input / output types from the recipe (quantization.precision).
#include <string>

#include "config/CenterPointConfig.h"
#include "export/OnnxExportOptions.h"
#include "ptq/QuantRecipe.h"

namespace cpq {

struct ExportJob {
  CenterPointConfig config;
  std::string checkpoint;  // empty: seeded random weights (float export only)
  uint64_t seed = 0;
  bool quantized = false;  // the checkpoint is a fake-quant checkpoint
  std::string dataRoot;    // non-empty (float weights): calibrate on this dataset first
  std::string split = "train";
  at::Device device = at::kCPU;  // calibration device
  std::string outDir;
  OnnxExportOptions options;  // name, autoware
  bool overwrite = false;
};

// Writes the files; returns what was written, for the log ("" for FP32, " (INT8 Q/DQ on N layers ...)").
std::string runExport(const ExportJob& job);

}  // namespace cpq
