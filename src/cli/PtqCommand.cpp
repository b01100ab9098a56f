// `ptq`: post-training quantization of a trained model on a dataset split, with the FP32 vs INT8 report:
// fuse BN/ReLU, insert quantizers (sensitive layers float), calibrate, evaluate both, write the fake-quant
// checkpoint (.safetensors + .pth), the calibration JSON, the TensorRT cache, the report, and optionally
// the INT8 ONNX pair.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "cli/RecipeOptions.h"
#include "config/CenterPointConfig.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "eval/DatasetEvaluation.h"
#include "export/CenterPointOnnxExport.h"
#include "export/IoPrecision.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "quant/CalibrationFile.h"
#include "quant/DatasetCalibration.h"
#include "quant/PtqReport.h"
#include "quant/QuantizedCheckpoint.h"

namespace cpq::cli {
namespace {

struct PtqArgs {
  std::string config, checkpoint, data, output, split = "train", evalSplit = "val", splits, version;
  std::string onnxDir, device = "cpu";
  RecipeOptions recipe;
  int64_t batchSize = 1;
  size_t maxEvalFrames = 0;
  int64_t sqnrFrames = 4;
  bool overwrite = false, strict = false, autoware = false;
};

struct PtqOutputs {
  std::string checkpoint, pth, calib, trtCache, reportJson, reportMd;
};

PtqOutputs outputsFor(const std::string& output) {
  const std::filesystem::path p(output);
  if (p.extension() != ".safetensors")
    throw Error("ptq --output must name a .safetensors file (the .pth and reports go next to it), not '" +
                output + "'");
  const std::string stem = (p.parent_path() / p.stem()).string();
  return {output,
          stem + ".pth",
          stem + ".calib.json",
          stem + ".trt_calib.cache",
          stem + ".report.json",
          stem + ".report.md"};
}

// The config's recipe with the command line's overrides.
QuantizationConfig recipeFor(const CenterPointConfig& cfg, const PtqArgs& a) {
  QuantizationConfig q = applyRecipeOptions(cfg.quantization, a.recipe, "ptq");
  if (q.weightPrecision == "fp16")
    throw Error(cfg.sourcePath +
                ": quantization.precision.weights is fp16, which means quantization off; ptq needs int8");
  return q;
}

DatasetOptions datasetFor(const PtqArgs& a, const CenterPointConfig& cfg, const std::string& split) {
  return datasetOptionsFor(cfg, a.data, split, a.splits, a.version);
}

// Every frame of the split (the first `max` when max > 0); an empty split is an error.
std::vector<size_t> splitFrames(const DetectionDataset& ds, size_t max, const std::string& split) {
  if (ds.size() == 0) throw Error("the split '" + split + "' of the dataset has no samples");
  return frameIndices(ds.size(), max);
}

std::vector<std::string> floatLayersOf(CenterPoint& model) {
  std::vector<std::string> names;
  for (const auto& [name, layer] : quantCapableLayers(*model))
    if (!layer->isQuantized()) names.push_back(name);
  return names;
}

void runPtq(const PtqArgs& a) {
  const PtqOutputs out = outputsFor(a.output);
  for (const auto& f : {out.checkpoint, out.pth, out.calib, out.trtCache, out.reportJson, out.reportMd})
    refuseToOverwrite(f, a.overwrite);
  if (!a.onnxDir.empty()) refuseExistingExport(a.onnxDir, OnnxExportOptions{}, a.overwrite);
  const auto start = std::chrono::steady_clock::now();
  const CenterPointConfig cfg = loadConfig(a.config);
  const QuantizationConfig q = recipeFor(cfg, a);
  const at::Device device = parseDevice(a.device);

  const DetectionDataset calibDs = DetectionDataset::open(datasetFor(a, cfg, a.split));
  const DetectionDataset evalDs = DetectionDataset::open(datasetFor(a, cfg, a.evalSplit));
  const std::vector<size_t> evalFrames = splitFrames(evalDs, a.maxEvalFrames, a.evalSplit);
  const std::vector<size_t> calibFrames = splitFrames(calibDs, 0, a.split);

  // The quantized model is prepared first: a bad sensitive_layers entry fails before any long work.
  CenterPoint qmodel = loadCenterPoint(cfg, a.checkpoint);
  std::vector<std::string> quantized;
  prepareForQuantization(qmodel, q, &quantized);
  spdlog::info("{} layers quantized, {} kept float; calibration {} on {} batches of {} from split '{}'",
               quantized.size(), floatLayersOf(qmodel).size(),
               describeMethod(quantRecipeFor(q).input, amaxOptionsFor(q)), q.numBatches, a.batchSize,
               a.split);

  PtqReport report;
  {
    InferencePipeline fp32(cfg, loadCenterPoint(cfg, a.checkpoint), device);
    report.fp32 = evaluateOnDataset(fp32, evalDs, evalFrames, cfg, "FP32", /*withNuScenes=*/true);
  }
  InferencePipeline int8(cfg, qmodel, device);
  DatasetCalibrationOptions co;
  co.batches = q.numBatches;
  co.batchSize = a.batchSize;
  co.strict = a.strict;
  co.amax = amaxOptionsFor(q);
  const DatasetCalibrationResult calib = calibrateOnDataset(int8, calibDs, calibFrames, co);
  report.int8 = evaluateOnDataset(int8, evalDs, evalFrames, cfg, "INT8", /*withNuScenes=*/true);

  // SQNR of every quantized layer's output on the first eval frames.
  const std::vector<at::Tensor> clouds =
      a.sqnrFrames > 0
          ? loadPointClouds(evalDs, frameIndices(evalFrames.size(), static_cast<size_t>(a.sqnrFrames)))
          : std::vector<at::Tensor>{};
  report.sqnr = measureLayerSqnr(*qmodel, static_cast<int64_t>(clouds.size()),
                                 [&](int64_t i) { int8.forwardNetwork({clouds[i]}); });
  report.layers = calib.layers;
  report.floatLayers = floatLayersOf(qmodel);
  const std::string method = describeMethod(quantRecipeFor(q).input, co.amax);
  report.settings = {{"config", a.config},
                     {"checkpoint", a.checkpoint},
                     {"data", a.data},
                     {"calibration_split", a.split},
                     {"evaluation_split", a.evalSplit},
                     {"method", method},
                     {"calibration_batches", calib.batches},
                     {"calibration_frames", calib.frames},
                     {"batch_size", a.batchSize},
                     {"evaluation_frames", evalFrames.size()},
                     {"fuse_bn", q.fuseBn},
                     {"fuse_relu", q.fuseBn && q.fuseRelu},
                     {"sensitive_layers", q.sensitiveLayers},
                     {"device", a.device},
                     {"calibration_seconds", calib.collectSeconds},
                     {"amax_seconds", calib.amaxSeconds}};

  // Everything is computed; now the files (each atomic).
  const std::filesystem::path parent = std::filesystem::path(out.checkpoint).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  qmodel->to(at::kCPU);
  saveQuantizedCheckpoint(qmodel, out.checkpoint,
                          {{"format", "centerpoint-quant fake-quant"},
                           {"base_checkpoint", a.checkpoint},
                           {"calibration", method},
                           {"calibration_frames", std::to_string(calib.frames)}});
  writeStringAtomically(out.calib,
                        calibrationToJson(*qmodel, calib.layers, method, calib.batches).dump(2) + "\n");
  std::map<std::string, double> tensorAmax;
  for (const auto& [layer, tensor] : layerInputTensors(qmodel, cfg))
    for (const auto& l : calib.layers)
      if (l.layer == layer) tensorAmax[tensor] = l.inputAmax;
  writeStringAtomically(out.trtCache, tensorRtCalibrationCache(tensorAmax));
  report.settings["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writeStringAtomically(out.reportJson, report.toJson().dump(2) + "\n");
  writeStringAtomically(out.reportMd, report.markdown());
  if (!a.onnxDir.empty()) {
    OnnxExportOptions o;
    o.autoware = a.autoware;
    exportCenterPointOnnx(qmodel, cfg, a.onnxDir, withQuantizationPrecision(o, q), a.overwrite);
  }
  std::cout << "\nFP32 vs INT8, range-bucketed mAP on " << evalFrames.size() << " frames of split '"
            << a.evalSplit << "' (" << method << ", " << report.floatLayers.size() << " layers float):\n"
            << report.consoleTable();
  spdlog::info("wrote {} (+ .pth, .calib.json, .trt_calib.cache, .report.json, .report.md){}", out.checkpoint,
               a.onnxDir.empty() ? "" : ", ONNX pair in " + a.onnxDir);
}

}  // namespace

void addPtqCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "ptq", "Post-training quantization: calibrate, evaluate FP32 vs INT8, write the fake-quant checkpoint");
  auto a = std::make_shared<PtqArgs>();
  cmd->add_option("--config", a->config, "Model config (YAML) with its quantization section")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--checkpoint", a->checkpoint, "Trained FP32 weights (.pth / .safetensors)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--data", a->data, "Dataset root (nuScenes / T4 layout)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--output", a->output, "Fake-quant checkpoint to write (.safetensors)")->required();
  addRecipeOptions(cmd, a->recipe);
  cmd->add_option("--split", a->split, "Calibration split")->capture_default_str();
  cmd->add_option("--eval-split", a->evalSplit, "Evaluation split")->capture_default_str();
  cmd->add_option("--splits", a->splits, "Splits file (YAML: split -> scene names)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--version", a->version, "nuScenes version folder when the dataroot has several");
  cmd->add_option("--batch-size", a->batchSize, "Frames per calibration batch")->capture_default_str();
  cmd->add_option("--max-eval-frames", a->maxEvalFrames, "Evaluate only the first N frames of --eval-split");
  cmd->add_option("--sqnr-frames", a->sqnrFrames, "Eval frames for the per-layer SQNR")
      ->capture_default_str();
  cmd->add_flag("--strict", a->strict, "Refuse when the split has fewer calibration frames than asked");
  cmd->add_option("--onnx-dir", a->onnxDir, "Also export the INT8 (Q/DQ) ONNX pair into this folder");
  cmd->add_flag("--autoware", a->autoware, "ONNX in Autoware's box layout (with --onnx-dir)");
  cmd->add_option("--device", a->device, "cpu or cuda")->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace existing output files");
  cmd->callback([a] {
    if (a->batchSize <= 0) throw Error("ptq --batch-size must be positive");
    runPtq(*a);
  });
}

}  // namespace cpq::cli
