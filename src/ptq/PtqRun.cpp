#include "ptq/PtqRun.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/RgbImage.h"
#include "dataset/DetectionDataset.h"
#include "export/CenterPointOnnxExport.h"
#include "export/TensorRtCalibrationCache.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "model/QuantizedCheckpoint.h"
#include "ptq/CalibrationFile.h"
#include "ptq/ModelPreparation.h"
#include "ptq/ReportFigures.h"
#include "quant/LayerSqnr.h"

namespace cpq {
namespace {

// Every frame of the split (the first `max` when max > 0); an empty split is an error.
std::vector<size_t> splitFrames(const DetectionDataset& ds, size_t max, const std::string& split) {
  if (ds.size() == 0) throw Error("the split '" + split + "' of the dataset has no samples");
  return frameIndices(ds.size(), max);
}

nlohmann::ordered_json settingsOf(const PtqJob& job, const CalibrationResult& calib, size_t evalFrames) {
  const QuantRecipe& r = job.recipe;
  return {{"config", job.configPath},
          {"checkpoint", job.checkpoint},
          {"data", job.dataRoot},
          {"calibration_split", job.calibrationSplit},
          {"evaluation_split", job.evaluationSplit},
          {"method", calib.method},
          {"calibration_batches", calib.batches},
          {"calibration_frames", calib.frames},
          {"batch_size", job.calibration.batchSize},
          {"evaluation_frames", evalFrames},
          {"bootstrap_resamples", job.bootstrap.resamples},
          {"bootstrap_seed", job.bootstrap.seed},
          {"fuse_bn", r.fuseBn},
          {"fuse_relu", r.fuseBn && r.fuseRelu},
          {"sensitive_layers", r.floatLayers},
          {"device", job.device.str()},
          {"equalization", r.equalization == Equalization::Activation ? "activation" : "none"},
          {"range_search", r.rangeSearch == RangeSearch::Output ? "output" : "none"},
          {"bias_correction", r.biasCorrection},
          {"method_frames", r.usesLayerSamples() ? r.methodFrames : 0},
          {"method_cells_per_frame", r.usesLayerSamples() ? r.methodCellsPerFrame : 0},
          {"method_empty_share", r.usesLayerSamples() ? r.methodEmptyShare : 0.0},
          {"calibration_seconds", calib.collectSeconds},
          {"method_seconds", calib.methodSeconds},
          {"amax_seconds", calib.amaxSeconds}};
}

void writeOutputs(const PtqJob& job, const PtqOutputPaths& out, CenterPoint& qmodel,
                  const CalibrationResult& calib, const PtqReport& report,
                  const std::vector<PtqFigure>& figures) {
  const std::filesystem::path parent = std::filesystem::path(out.checkpoint).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  qmodel->to(at::kCPU);
  saveQuantizedCheckpoint(qmodel, out.checkpoint,
                          {{"format", "centerpoint-quant fake-quant"},
                           {"base_checkpoint", job.checkpoint},
                           {"calibration", calib.method},
                           {"calibration_frames", std::to_string(calib.frames)}});
  nlohmann::ordered_json calibJson = calibrationToJson(*qmodel, calib.layers, calib.method, calib.batches);
  if (!report.methods.empty()) calibJson["methods"] = report.methods;
  writeStringAtomically(out.calib, calibJson.dump(2) + "\n");
  writeStringAtomically(out.trtCache, tensorRtCalibrationCache(qmodel, job.config, calib.layers));
  writeStringAtomically(out.reportJson, report.toJson().dump(2) + "\n");
  for (const auto& suffix :
       PtqOutputPaths::figureSuffixes()) {  // a figure this run has not drawn is not left stale
    const std::string path = out.figureStem + "." + suffix;
    const auto f =
        std::find_if(figures.begin(), figures.end(), [&](const PtqFigure& x) { return x.suffix == suffix; });
    if (f != figures.end())
      writePng(path, f->image);
    else
      std::filesystem::remove(path);
  }
  writeStringAtomically(out.reportMd, report.markdown());
  if (!job.onnxDir.empty())
    exportCenterPointOnnx(qmodel, job.config, job.onnxDir, job.recipe.exportOptions(job.onnx), job.overwrite);
}

// The report's figures: FP32 vs INT8 per bucket with the intervals, the lowest-SQNR layers' histograms,
// and the frame where the two models disagree most.
std::vector<PtqFigure> renderFigures(const PtqJob& job, const DetectionDataset& evalDs,
                                     const std::vector<size_t>& evalFrames, const ScoredRun& fp32,
                                     const ScoredRun& int8, const PtqReport& report) {
  PtqFigureInputs in;
  if (report.fp32.t4)
    for (const auto& b : report.fp32.t4->buckets) {
      BucketBars bars;
      bars.bucket = b.name;
      bars.fp32 = report.fp32.t4->mAP.at(b.name);
      bars.int8 = report.int8.t4->mAP.at(b.name);
      if (const PairedInterval* iv = report.paired ? report.paired->find("t4.mAP." + b.name) : nullptr) {
        bars.hasInterval = true;
        bars.lo = iv->lo;
        bars.hi = iv->hi;
      }
      in.buckets.push_back(bars);
    }
  in.calibration = report.layers;
  in.sqnr = report.sqnr;
  in.amaxOptions = job.recipe.amaxOptions();
  std::vector<const SampleInfo*> samples;
  for (size_t i : evalFrames) samples.push_back(&evalDs.sample(i));
  const EvalBoxes gt = lidarGroundTruth(samples);
  std::vector<std::vector<EvalBox>> gtPerFrame;
  for (size_t f = 0; f < gt.numSamples(); ++f) gtPerFrame.push_back(gt.boxes(f));
  DisagreementFrameView view;
  view.classNames = job.config.classNames;
  view.disagreement =
      mostDisagreeingFrame(fp32.detections, int8.detections, gtPerFrame, view.classNames, view.options);
  const size_t f = view.disagreement.frame;
  view.points = loadPointClouds(evalDs, {evalFrames[f]}).front();
  view.gt = gtPerFrame[f];
  view.fp32 = fp32.detections[f];
  view.int8 = int8.detections[f];
  view.sampleToken = samples[f]->token;
  in.frame = std::move(view);
  return renderPtqFigures(in);
}

}  // namespace

PtqOutputPaths PtqOutputPaths::forCheckpoint(const std::string& checkpoint) {
  const std::filesystem::path p(checkpoint);
  if (p.extension() != ".safetensors")
    throw Error("ptq --output must name a .safetensors file (the .pth and reports go next to it), not '" +
                checkpoint + "'");
  const std::string stem = (p.parent_path() / p.stem()).string();
  return {checkpoint,
          stem + ".pth",
          stem + ".calib.json",
          stem + ".trt_calib.cache",
          stem + ".report.json",
          stem + ".report.md",
          stem + ".report"};
}

const std::vector<std::string>& PtqOutputPaths::figureSuffixes() {
  static const std::vector<std::string> kSuffixes{"buckets.png", "hist.png", "bev.png"};
  return kSuffixes;
}

std::vector<std::string> PtqOutputPaths::all() const {
  std::vector<std::string> files{checkpoint, pth, calib, trtCache, reportJson, reportMd};
  for (const auto& suffix : figureSuffixes()) files.push_back(figureStem + "." + suffix);
  return files;
}

PtqResult runPtq(const PtqJob& job) {
  PtqResult result;
  result.paths = PtqOutputPaths::forCheckpoint(job.output);
  for (const auto& f : result.paths.all()) refuseToOverwrite(f, job.overwrite);
  if (!job.onnxDir.empty()) refuseExistingExport(job.onnxDir, job.onnx, job.overwrite);
  const auto start = std::chrono::steady_clock::now();
  const CenterPointConfig& cfg = job.config;
  const QuantRecipe& recipe = job.recipe;
  recipe.requireInt8Weights("ptq");
  job.bootstrap.validate("ptq --bootstrap");

  const DetectionDataset calibDs = DetectionDataset::open(
      datasetOptionsFor(cfg, job.dataRoot, job.calibrationSplit, job.splitsFile, job.version));
  const DetectionDataset evalDs = DetectionDataset::open(
      datasetOptionsFor(cfg, job.dataRoot, job.evaluationSplit, job.splitsFile, job.version));
  const std::vector<size_t> evalFrames = splitFrames(evalDs, job.maxEvalFrames, job.evaluationSplit);
  const std::vector<size_t> calibFrames = splitFrames(calibDs, 0, job.calibrationSplit);
  result.evaluationFrames = evalFrames.size();

  // The quantized model is prepared first: a bad float-layer entry fails before any long work.
  CenterPoint qmodel = loadCenterPoint(cfg, job.checkpoint);
  const std::vector<std::string> quantized = prepareForQuantization(qmodel, recipe);
  spdlog::info("{} layers quantized, {} kept float; calibration {} on {} batches of {} from split '{}'",
               quantized.size(), floatLayersOf(qmodel).size(), recipe.describe(), recipe.calibrationBatches,
               job.calibration.batchSize, job.calibrationSplit);

  PtqReport& report = result.report;
  std::optional<ScoredRun> fp32Run;
  {
    InferencePipeline fp32(cfg, loadCenterPoint(cfg, job.checkpoint), job.device);
    fp32Run.emplace(scoreOnDataset(fp32, evalDs, evalFrames, cfg, "FP32", /*withNuScenes=*/true));
    report.fp32 = fp32Run->report;
  }
  InferencePipeline int8(cfg, qmodel, job.device);
  const CalibrationResult calib = calibrate(int8, calibDs, calibFrames, recipe, job.calibration);
  const ScoredRun int8Run = scoreOnDataset(int8, evalDs, evalFrames, cfg, "INT8", /*withNuScenes=*/true);
  report.int8 = int8Run.report;
  report.paired = pairedBootstrap(fp32Run->resampled, int8Run.resampled, job.bootstrap, "FP32", "INT8");
  spdlog::info("paired bootstrap: {} resamples of {} frames in {:.1f} s", job.bootstrap.resamples,
               evalFrames.size(), report.paired->seconds);
  if (job.noiseCurve)
    report.noise = pairedBootstrapByFrames(fp32Run->resampled, int8Run.resampled, job.bootstrap,
                                           doublingFrameCounts(evalFrames.size()), "FP32", "INT8");

  // SQNR of every quantized layer's output on the first eval frames.
  const std::vector<at::Tensor> clouds =
      job.sqnrFrames > 0
          ? loadPointClouds(evalDs, frameIndices(evalFrames.size(), static_cast<size_t>(job.sqnrFrames)))
          : std::vector<at::Tensor>{};
  report.sqnr = measureLayerSqnr(*qmodel, static_cast<int64_t>(clouds.size()),
                                 [&](int64_t i) { int8.forwardNetwork({clouds[i]}); });
  report.layers = calib.layers;
  report.methods = methodsToJson(calib);
  report.floatLayers = floatLayersOf(qmodel);
  report.settings = settingsOf(job, calib, evalFrames.size());
  const std::vector<PtqFigure> figures =
      job.figures && pngSupported() ? renderFigures(job, evalDs, evalFrames, *fp32Run, int8Run, report)
                                    : std::vector<PtqFigure>{};
  if (job.figures && !pngSupported()) spdlog::warn("this build has no libpng: the report has no figures");
  for (const auto& f : figures)
    report.figures.push_back(figureMarkdown(
        f, std::filesystem::path(result.paths.figureStem + "." + f.suffix).filename().string()));
  report.settings["seconds"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writeOutputs(job, result.paths, qmodel, calib, report, figures);
  return result;
}

}  // namespace cpq
