// `export`: the two ONNX files Autoware runs and its param file, from a config and weights; with
// --quantized, from a fake-quant checkpoint as INT8 Q/DQ graphs for TensorRT (docs/export_int8.md).
#include <spdlog/spdlog.h>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "config/CenterPointConfig.h"
#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "export/AutowareParamFile.h"
#include "export/CenterPointOnnxExport.h"
#include "infer/DatasetInference.h"
#include "export/IoPrecision.h"
#include "export/QdqOnnx.h"
#include "quant/DatasetCalibration.h"
#include "quant/QuantInsertion.h"
#include "quant/QuantizedCheckpoint.h"

namespace cpq::cli {

namespace {

// The float model. A fake-quant checkpoint loads as a quantized model; without --quantized it is refused
// rather than silently exported as INT8 (the flag is what says the files are for TensorRT INT8).
CenterPoint floatModel(const CenterPointConfig& cfg, const std::string& checkpoint, uint64_t seed) {
  CenterPoint model = modelFromWeightOptions(cfg, checkpoint, seed);
  if (!quantizedLayers(*model).empty()) {
    throw fileError(checkpoint, "holds _amax keys: it is a quantized (fake-quant) checkpoint; export it with "
                                "--quantized (INT8 Q/DQ graphs for TensorRT)");
  }
  return model;
}

// The layers the INT8 graphs will quantize; cpq::Error when there is none (nothing would be INT8).
std::vector<std::string> int8Layers(CenterPoint& model, const std::string& checkpoint) {
  std::vector<std::string> names;
  for (const auto& [name, layer] : quantizedLayers(*model))
    if (exportsAsInt8(*layer, name)) names.push_back(name);
  if (names.empty()) throw fileError(checkpoint, "no layer has quantizers that are quantizing: nothing to export as INT8");
  return names;
}

}  // namespace

void addExportCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "export", "Export the model as Autoware's two ONNX files (opset 17, BN folded) and its param file");
  struct Args {
    std::string config, checkpoint, outDir, data, split = "train", device = "cpu";
    bool randomInit = false, overwrite = false, quantized = false;
    uint64_t seed = 0;
    OnnxExportOptions options;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--config", args->config, "Model config (YAML)")->required()->check(CLI::ExistingFile);
  addWeightOptions(cmd, args->checkpoint, args->randomInit, args->seed);
  cmd->add_option("--out-dir", args->outDir, "Output folder")->required();
  cmd->add_option("--name", args->options.name, "Model name in the file names")->capture_default_str();
  cmd->add_flag("--autoware", args->options.autoware,
                "Autoware's box layout: dim as (w, l, h), rot as (-cos, -sin)");
  cmd->add_flag("--quantized", args->quantized,
                "The checkpoint is a fake-quant checkpoint (ptq / qat output, with _amax keys): write INT8 Q/DQ "
                "graphs for TensorRT; the graph input/output types follow quantization.precision in the config");
  cmd->add_option("--data", args->data,
                  "With quantization.enabled (mode ptq) in the config: calibrate on this dataset, then write Q/DQ")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--split", args->split, "Calibration split (with --data)")->capture_default_str();
  cmd->add_option("--device", args->device, "Calibration device (with --data)")->capture_default_str();
  cmd->add_flag("--overwrite", args->overwrite, "Replace the files of an earlier export in --out-dir");
  cmd->callback([args] {
    const Args& a = *args;
    requireOneWeightSource("export", a.checkpoint, a.randomInit);
    if (a.quantized && a.randomInit) {
      throw Error("export --quantized needs --checkpoint: a quantized (fake-quant) checkpoint written by ptq or qat");
    }
    refuseExistingExport(a.outDir, a.options, a.overwrite);  // before the (slow) weight loading
    const CenterPointConfig cfg = loadConfig(a.config);
    OnnxExportOptions options = a.options;
    std::string what;
    if (a.quantized) {
      options = withQuantizationPrecision(options, cfg.quantization);
      CenterPoint model = loadQuantizedCenterPoint(cfg, a.checkpoint);
      const std::vector<std::string> layers = int8Layers(model, a.checkpoint);
      exportCenterPointOnnx(model, cfg, a.outDir, options, a.overwrite);
      what = " (INT8 Q/DQ on " + std::to_string(layers.size()) + " layers; inputs " +
             cfg.quantization.inputPrecision + ", outputs " + cfg.quantization.outputPrecision + ")";
    } else if (cfg.quantization.enabled && cfg.quantization.mode == "ptq") {
      // The seed's quantized export pipeline: fuse, insert, calibrate, export Q/DQ in one step.
      if (a.data.empty())
        throw Error(cfg.sourcePath + ": quantization.enabled is true (mode ptq): export calibrates first and needs "
                    "--data (or use --quantized with a ptq checkpoint)");
      options = withQuantizationPrecision(options, cfg.quantization);
      CenterPoint model = floatModel(cfg, a.checkpoint, a.seed);
      prepareForQuantization(model, cfg.quantization);
      const DetectionDataset ds = DetectionDataset::open(datasetOptionsFor(cfg, a.data, a.split));
      InferencePipeline pipeline(cfg, model, parseDevice(a.device));
      DatasetCalibrationOptions co;
      co.batches = cfg.quantization.numBatches;
      co.amax = amaxOptionsFor(cfg.quantization);
      calibrateOnDataset(pipeline, ds, frameIndices(ds.size()), co);
      model->to(at::kCPU);
      exportCenterPointOnnx(model, cfg, a.outDir, options, a.overwrite);
      what = " (calibrated on split '" + a.split + "', INT8 Q/DQ)";
    } else {
      CenterPoint model = floatModel(cfg, a.checkpoint, a.seed);
      exportCenterPointOnnx(model, cfg, a.outDir, options, a.overwrite);
    }
    spdlog::info("{}: {}, {} and {} written{}{}", a.outDir, voxelEncoderOnnxFileName(options.name),
                 backboneNeckHeadOnnxFileName(options.name), kAutowareParamFileName, what,
                 options.autoware ? " (Autoware y-axis reference layout)" : "");
  });
}

}  // namespace cpq::cli
