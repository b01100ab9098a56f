#include "ptq/ExportRun.h"

#include <fmt/format.h>

#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "export/CenterPointOnnxExport.h"
#include "export/QdqOnnx.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "model/QuantizedCheckpoint.h"
#include "ptq/Calibration.h"
#include "ptq/ModelPreparation.h"
#include "quant/QuantInsertion.h"

namespace cpq {
namespace {

// The float model. A fake-quant checkpoint loads as a quantized model; without `quantized` it is refused
// rather than silently exported as INT8 (the flag is what says the files are for TensorRT INT8).
CenterPoint floatModel(const ExportJob& job) {
  CenterPoint model = makeCenterPoint(
      job.config, job.checkpoint.empty() ? std::nullopt : std::optional<std::string>(job.checkpoint),
      job.seed);
  if (!quantizedLayers(*model).empty())
    throw fileError(job.checkpoint,
                    "holds _amax keys: it is a quantized (fake-quant) checkpoint; export it with "
                    "--quantized (INT8 Q/DQ graphs for TensorRT)");
  return model;
}

// The layers the INT8 graphs will quantize; cpq::Error when there is none (nothing would be INT8).
size_t int8LayerCount(CenterPoint& model, const std::string& checkpoint) {
  size_t n = 0;
  for (const auto& [name, layer] : quantizedLayers(*model))
    if (exportsAsInt8(*layer, name)) ++n;
  if (n == 0)
    throw fileError(checkpoint, "no layer has quantizers that are quantizing: nothing to export as INT8");
  return n;
}

const char* precisionName(IoPrecision p) { return p == IoPrecision::Fp16 ? "fp16" : "fp32"; }

}  // namespace

std::string runExport(const ExportJob& job) {
  if (job.quantized && job.checkpoint.empty())
    throw Error(
        "export --quantized needs --checkpoint: a quantized (fake-quant) checkpoint written by ptq or qat");
  refuseExistingExport(job.outDir, job.options, job.overwrite);  // before the (slow) weight loading
  const CenterPointConfig& cfg = job.config;
  if (job.quantized) {
    const QuantRecipe recipe = QuantRecipe::fromConfig(cfg);
    CenterPoint model = loadQuantizedCenterPoint(cfg, job.checkpoint);
    const size_t layers = int8LayerCount(model, job.checkpoint);
    exportCenterPointOnnx(model, cfg, job.outDir, recipe.exportOptions(job.options), job.overwrite);
    return fmt::format(" (INT8 Q/DQ on {} layers; inputs {}, outputs {})", layers,
                       precisionName(recipe.inputPrecision), precisionName(recipe.outputPrecision));
  }
  if (!job.dataRoot.empty()) {
    const QuantRecipe recipe = QuantRecipe::fromConfig(cfg);
    CenterPoint model = floatModel(job);
    prepareForQuantization(model, recipe);
    const DetectionDataset ds = DetectionDataset::open(datasetOptionsFor(cfg, job.dataRoot, job.split));
    InferencePipeline pipeline(cfg, model, job.device);
    calibrate(pipeline, ds, frameIndices(ds.size()), recipe);
    model->to(at::kCPU);
    exportCenterPointOnnx(model, cfg, job.outDir, recipe.exportOptions(job.options), job.overwrite);
    return " (calibrated on split '" + job.split + "', INT8 Q/DQ)";
  }
  CenterPoint model = floatModel(job);
  exportCenterPointOnnx(model, cfg, job.outDir, job.options, job.overwrite);
  return "";
}

}  // namespace cpq
