// The quantization workflows through the library API (ptq/PtqRun, ptq/SensitivityStudy, ptq/QatRun,
// ptq/ExportRun) on a generated demo dataset and a briefly trained small model: what each writes, that the
// files agree with each other and with an independent re-evaluation, determinism (same inputs, same
// bytes), and the refusals. The CLI suite only checks flags, files and messages on top of this.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "checkpoint/Checkpoint.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "dataset/DetectionDataset.h"
#include "export/TensorRtCalibrationCache.h"
#include "infer/DatasetInference.h"
#include "model/LoadModel.h"
#include "model/QuantizedCheckpoint.h"
#include "ptq/CalibrationFile.h"
#include "ptq/ExportRun.h"
#include "ptq/ModelPreparation.h"
#include "ptq/PtqRun.h"
#include "ptq/QatRun.h"
#include "ptq/SensitivityStudy.h"
#include "quant/QuantInsertion.h"
#include "support/TempRoot.h"
#include "support/TinyConfig.h"
#include "synth/SynthDataset.h"
#include "train/Trainer.h"

namespace cpq {
namespace {
namespace fs = std::filesystem;

class PtqWorkflow : public ::testing::Test {
 protected:
  static fs::path root() { return testing::tempRoot() / ("cpq_ptq_workflow_" + std::to_string(getpid())); }
  static std::string data() { return (root() / "data").string(); }
  static std::string weights() { return (root() / "work" / "epoch_2.safetensors").string(); }
  static CenterPointConfig config() {
    return parseConfig(testing::smallRangeConfigYaml() +
                           "\nquantization:\n  calibration: {num_batches: 4}\n"
                           "  sensitive_layers: [pts_voxel_encoder, pts_backbone.blocks.0]\n",
                       "small.yaml");
  }

  static void SetUpTestSuite() {
    fs::remove_all(root());
    fs::create_directories(data());
    SynthOptions so;
    so.preset = synthPreset("demo");
    so.scenes = 3;
    so.framesPerScene = 3;
    so.seed = 11;
    writeSynthDataset(so, data());
    const CenterPointConfig cfg = config();
    const DetectionDataset train = DetectionDataset::open(datasetOptionsFor(cfg, data(), "train"));
    TrainerOptions o;
    o.workDir = (root() / "work").string();
    o.seed = 5;
    Trainer(cfg, makeRandomCenterPoint(cfg, 5), train, nullptr, o).run();
  }
  static void TearDownTestSuite() { fs::remove_all(root()); }

  static PtqJob ptqJob(const std::string& name) {
    PtqJob j;
    j.config = config();
    j.recipe = QuantRecipe::fromConfig(j.config);
    j.configPath = "small.yaml";
    j.checkpoint = weights();
    j.dataRoot = data();
    j.sqnrFrames = 2;
    j.output = (root() / name / "int8.safetensors").string();
    return j;
  }
};

nlohmann::json readJson(const std::string& p) { return nlohmann::json::parse(readFileToString(p)); }

TEST_F(PtqWorkflow, PtqWritesConsistentArtefactsAndReproducesItsInt8Evaluation) {
  PtqJob job = ptqJob("ptq");
  job.onnxDir = (root() / "ptq" / "onnx").string();
  const PtqResult r = runPtq(job);
  for (const auto& f : r.paths.all()) EXPECT_TRUE(fs::exists(f)) << f;
  EXPECT_TRUE(fs::exists(fs::path(job.onnxDir) / "pts_backbone_neck_head_centerpoint.onnx"));
  // The PFN's two linears and block 0's two convs stay float; every other layer has its amax.
  EXPECT_EQ(r.report.floatLayers.size(), 4u);
  const nlohmann::json settings = r.report.settings;
  EXPECT_EQ(settings["method"], "histogram+mse");
  EXPECT_EQ(settings["calibration_batches"], 4);
  EXPECT_EQ(settings["evaluation_frames"], r.evaluationFrames);
  // The FP32 vs INT8 comparison carries its paired interval: a and b are the reports' own mAPs, and the
  // report files hold it with the figures beside them (every figure file exists: r.paths.all()).
  ASSERT_TRUE(r.report.paired.has_value());
  const PairedInterval* overall = r.report.paired->find("t4.mAP.overall");
  ASSERT_NE(overall, nullptr);
  EXPECT_EQ(overall->a, r.report.fp32.t4->mAP.at("overall"));
  EXPECT_EQ(overall->b, r.report.int8.t4->mAP.at("overall"));
  EXPECT_LE(overall->lo, overall->hi);
  EXPECT_EQ(r.report.paired->frames, r.evaluationFrames);
  const nlohmann::json reportJson = readJson(r.paths.reportJson);
  EXPECT_EQ(reportJson["paired"]["resamples"], 1000);
  EXPECT_EQ(reportJson["paired"]["metrics"].size(), r.report.paired->metrics.size());
  const std::string md = readFileToString(r.paths.reportMd);
  for (const std::string& suffix : PtqOutputPaths::figureSuffixes())
    EXPECT_NE(md.find("](int8.report." + suffix + ")"), std::string::npos) << suffix;

  // The calibration JSON holds exactly the checkpoint's amax.
  const StateDict sd = loadCheckpoint(r.paths.checkpoint);
  const nlohmann::json calib = readJson(r.paths.calib);
  size_t amaxKeys = 0;
  for (const auto& [name, t] : sd.items()) {
    if (name.find("_amax") == std::string::npos) continue;
    ++amaxKeys;
    ASSERT_TRUE(calib["amax"].contains(name)) << name;
    const nlohmann::json& v = calib["amax"][name];
    const float first = v.is_array() ? v[0].get<float>() : v.get<float>();
    EXPECT_EQ(first, t.flatten()[0].item<float>()) << name;
  }
  EXPECT_EQ(amaxKeys, calib["amax"].size());
  // The cache names exactly the ONNX tensors the quantized layers read (the head's branches share one).
  const CenterPointConfig cfg = config();
  CenterPoint reloaded = loadQuantizedCenterPoint(cfg, r.paths.checkpoint);
  std::set<std::string> tensors, cached;
  for (const auto& [layer, tensor] : layerInputTensors(reloaded, cfg)) tensors.insert(tensor);
  for (const auto& [tensor, scale] :
       parseTensorRtCalibrationCache(readFileToString(r.paths.trtCache), "cache")) {
    cached.insert(tensor);
    EXPECT_GT(scale, 0.0f) << tensor;
  }
  EXPECT_EQ(cached, tensors);
  EXPECT_GT(tensors.size(), 1u);
  // Reloading the checkpoint and evaluating it again gives the reported INT8 mAP.
  const DetectionDataset val = DetectionDataset::open(datasetOptionsFor(cfg, data(), "val"));
  InferencePipeline pipeline(cfg, reloaded, at::kCPU);
  const EvaluationReport again =
      evaluateOnDataset(pipeline, val, frameIndices(val.size()), cfg, "again", true);
  EXPECT_EQ(again.t4->mAP.at("overall"), r.report.int8.t4->mAP.at("overall"));
}

TEST_F(PtqWorkflow, PtqIsDeterministicAndRefusesToOverwrite) {
  const PtqResult a = runPtq(ptqJob("det_a"));
  const PtqResult b = runPtq(ptqJob("det_b"));
  for (auto f :
       {&PtqOutputPaths::checkpoint, &PtqOutputPaths::pth, &PtqOutputPaths::calib, &PtqOutputPaths::trtCache})
    EXPECT_EQ(readFileToString(a.paths.*f), readFileToString(b.paths.*f)) << a.paths.*f;
  EXPECT_EQ(a.report.int8.toJson().dump(), b.report.int8.toJson().dump());

  const std::string before = readFileToString(a.paths.checkpoint);
  EXPECT_THROW(runPtq(ptqJob("det_a")), Error);
  EXPECT_EQ(readFileToString(a.paths.checkpoint), before);
  PtqJob badName = ptqJob("bad");
  badName.output = (root() / "bad" / "int8.pth").string();
  EXPECT_THROW(runPtq(badName), Error);
  EXPECT_FALSE(fs::exists(root() / "bad"));
  PtqJob badLayer = ptqJob("bad");
  badLayer.recipe.floatLayers = {"pts_backbone.blocks.7"};
  try {
    runPtq(badLayer);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pts_backbone.blocks.7"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(root() / "bad"));
}

TEST_F(PtqWorkflow, EqualizationAndBiasCorrectionAreRecordedDeterministicAndTheirCalibrationIsNotReusable) {
  auto methodsJob = [&](const std::string& name) {
    PtqJob j = ptqJob(name);
    j.recipe.floatLayers = {"pts_voxel_encoder"};
    j.recipe.equalization = Equalization::Activation;
    j.recipe.biasCorrection = true;
    j.recipe.methodFrames = 4;
    j.recipe.methodCellsPerFrame = 32;
    return j;
  };
  const PtqResult a = runPtq(methodsJob("methods_a"));
  const PtqResult b = runPtq(methodsJob("methods_b"));
  for (auto f : {&PtqOutputPaths::checkpoint, &PtqOutputPaths::calib})
    EXPECT_EQ(readFileToString(a.paths.*f), readFileToString(b.paths.*f)) << a.paths.*f;
  const nlohmann::json calib = readJson(a.paths.calib);
  EXPECT_EQ(calib["method"], "histogram+mse+equalization+bias_correction");
  ASSERT_TRUE(calib["methods"].contains("equalization"));
  ASSERT_TRUE(calib["methods"].contains("bias_correction"));
  EXPECT_EQ(calib["methods"]["frames"], 4);
  for (const auto& e : calib["methods"]["equalization"])
    EXPECT_LE(e["error_after"].get<double>(), e["error_before"].get<double>());
  const nlohmann::json report = readJson(a.paths.reportJson);
  EXPECT_EQ(report["settings"]["equalization"], "activation");
  EXPECT_EQ(report["methods"], calib["methods"]);
  EXPECT_NE(readFileToString(a.paths.reportMd).find("### Channel equalization"), std::string::npos);
  // The fake-quant checkpoint reproduces the run's INT8 evaluation (equalized weights, corrected biases).
  const CenterPointConfig cfg = config();
  const DetectionDataset val = DetectionDataset::open(datasetOptionsFor(cfg, data(), "val"));
  InferencePipeline reloaded(cfg, loadQuantizedCenterPoint(cfg, a.paths.checkpoint), at::kCPU);
  const EvaluationReport again =
      evaluateOnDataset(reloaded, val, frameIndices(val.size()), cfg, "INT8", /*withNuScenes=*/true);
  EXPECT_EQ(again.t4->mAP.at("overall"), a.report.int8.t4->mAP.at("overall"));
  // Its amax fit the equalized weights only: applying the file to the float model is refused.
  CenterPoint fresh = loadCenterPoint(cfg, weights());
  QuantRecipe dense = QuantRecipe::fromConfig(cfg);
  dense.floatLayers = {"pts_voxel_encoder"};
  prepareForQuantization(fresh, dense);
  try {
    applyCalibrationFile(*fresh, a.paths.calib);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("changes the weights"), std::string::npos) << e.what();
  }
  // Methods that sample more frames than the calibration uses are refused with the numbers.
  PtqJob tooMany = methodsJob("methods_too_many");
  tooMany.recipe.methodFrames = 50;
  try {
    runPtq(tooMany);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("methods.frames is 50 but the calibration uses 4 frames"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(PtqWorkflow, SensitivityProxyRanksEveryLayerAndABudgetOfOneKeepsEverythingInt8) {
  SensitivityJob job;
  job.config = config();
  job.recipe = QuantRecipe::fromConfig(job.config);
  job.checkpoint = weights();
  job.dataRoot = data();
  job.proxyOnly = true;
  job.proxyFrames = 2;
  job.evalFrames = 2;
  job.budget = 1.0;  // any INT8 model is within a drop of 1.0 mAP
  job.output = (root() / "sens" / "s.csv").string();
  const SensitivityResult r = runSensitivityStudy(job);
  // Every quantizer owner is profiled (the recipe's float layers are ignored).
  CenterPoint full = makeRandomCenterPoint(job.config, 1);
  QuantizerPlan plan;
  insertQuantizers(*full, plan);
  EXPECT_EQ(r.rows.size(), quantizerOwners(*full).size());
  ASSERT_TRUE(r.selection.has_value());
  EXPECT_TRUE(r.selection->floatLayers.empty());
  const std::string csv = readFileToString(job.output);
  EXPECT_EQ(csv, sensitivityCsv(r, true));
  EXPECT_EQ(csv.rfind("layer,map,delta,delta_lo,delta_hi,sqnr_db,proxy\n", 0), 0u);
  for (const auto& row : r.rows) {  // proxy-only: no intervals
    EXPECT_TRUE(std::isnan(row.deltaLo)) << row.layer;
    EXPECT_TRUE(std::isnan(row.deltaHi)) << row.layer;
  }
  EXPECT_EQ(readFileToString((root() / "sens" / "s.md").string()), sensitivityMarkdown(r, job));
  EXPECT_TRUE(fs::exists(root() / "sens" / "s.sensitive_layers.yaml"));
  // The CSV is sorted by the proxy, largest first.
  double previous = 1e300;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    const double proxy = std::stod(line.substr(line.rfind(',') + 1));
    EXPECT_LE(proxy, previous) << line;
    previous = proxy;
  }
  job.budget = -0.1;
  job.overwrite = true;
  EXPECT_THROW(runSensitivityStudy(job), Error);
}

// The full profile: every layer evaluated, and the paired bootstrap interval of the delta for the top
// --interval-layers layers by delta (the first rows of the sorted CSV), none for the others.
TEST_F(PtqWorkflow, SensitivityIntervalsOfTheTopLayersOnly) {
  SensitivityJob job;
  job.config = config();
  job.recipe = QuantRecipe::fromConfig(job.config);
  job.checkpoint = weights();
  job.dataRoot = data();
  job.proxyFrames = 1;
  job.evalFrames = 3;
  job.intervalLayers = 3;
  job.bootstrap.resamples = 200;
  job.bootstrap.seed = 5;
  job.output = (root() / "sens_iv" / "s.csv").string();
  const SensitivityResult r = runSensitivityStudy(job);
  ASSERT_GT(r.rows.size(), 3u);
  EXPECT_EQ(r.intervals, 3u);
  // The three rows with intervals are the three most sensitive (ties in network order).
  std::vector<SensitivityRow> sorted = r.rows;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const SensitivityRow& a, const SensitivityRow& b) { return a.delta > b.delta; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    const SensitivityRow& row = sorted[i];
    EXPECT_FALSE(std::isnan(row.delta)) << row.layer;
    if (i < 3) {
      ASSERT_TRUE(std::isfinite(row.deltaLo) && std::isfinite(row.deltaHi)) << row.layer;
      EXPECT_LE(row.deltaLo, row.deltaHi) << row.layer;
    } else {
      EXPECT_TRUE(std::isnan(row.deltaLo) && std::isnan(row.deltaHi)) << row.layer;
    }
  }
  const std::string csv = readFileToString(job.output);
  EXPECT_EQ(csv, sensitivityCsv(r, false));
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "layer,map,delta,delta_lo,delta_hi,sqnr_db,proxy");
  for (size_t i = 0; std::getline(lines, line); ++i) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string field; std::getline(ls, field, ',');) f.push_back(field);
    ASSERT_GE(f.size(), 5u) << line;
    EXPECT_EQ(f[3].empty(), i >= 3) << line;
    EXPECT_EQ(f[4].empty(), i >= 3) << line;
  }
  const std::string md = readFileToString((root() / "sens_iv" / "s.md").string());
  EXPECT_NE(md.find("| 95% interval |"), std::string::npos) << md;
  EXPECT_NE(md.find("200 resamples, seed 5"), std::string::npos) << md;
  EXPECT_NE(sensitivityConsoleTable(r, false).find("["), std::string::npos);
  // Bootstrap counts outside the limits are refused before any work.
  job.overwrite = true;
  job.bootstrap.resamples = 10;
  EXPECT_THROW(runSensitivityStudy(job), Error);
}

// With a validation split, QAT ends with FP32 vs the QAT model on the same frames: both reports and their
// paired intervals in <stem>.summary.json / .md; a / b of the comparison are the reports' own mAPs.
TEST_F(PtqWorkflow, QatSummaryHoldsThePairedComparisonWithTheFp32Baseline) {
  QatJob job;
  job.config = config();
  RecipeOverrides o;
  o.calibrationBatches = 2;
  job.recipe = QuantRecipe::fromConfig(job.config).with(o, "qat");
  job.checkpoint = weights();
  job.dataRoot = data();
  job.trainer.epochs = 1;
  job.trainer.lr = 1e-5;
  job.trainer.seed = 3;
  job.trainer.maxValFrames = 3;
  job.bootstrap.resamples = 200;
  job.output = (root() / "qat_summary" / "q.safetensors").string();
  const QatResult r = runQat(job);
  ASSERT_TRUE(r.paired && r.fp32 && r.qat);
  EXPECT_EQ(r.paired->frames, 3u);
  const PairedInterval* iv = r.paired->find("t4.mAP.overall");
  ASSERT_NE(iv, nullptr);
  EXPECT_LE(iv->lo, iv->hi);
  EXPECT_DOUBLE_EQ(iv->a, r.fp32->t4->mAP.at("overall"));
  EXPECT_DOUBLE_EQ(iv->b, r.qat->t4->mAP.at("overall"));
  EXPECT_DOUBLE_EQ(iv->diff, iv->b - iv->a);
  // The last epoch's validation saw the same model on the same frames.
  ASSERT_TRUE(r.history.back().valMap.has_value());
  EXPECT_NEAR(*r.history.back().valMap, iv->b, 1e-9);
  const auto j = readJson((root() / "qat_summary" / "q.summary.json").string());
  EXPECT_EQ(j["frames"], 3);
  EXPECT_EQ(j["paired"]["labels"], nlohmann::json::array({"FP32", "QAT"}));
  EXPECT_DOUBLE_EQ(j["fp32"]["t4"]["mAP"]["overall"].get<double>(), iv->a);
  EXPECT_DOUBLE_EQ(j["qat"]["t4"]["mAP"]["overall"].get<double>(), iv->b);
  bool found = false;
  for (const auto& m : j["paired"]["metrics"])
    if (m["metric"] == "t4.mAP.overall") {
      found = true;
      EXPECT_LE(m["lo"].get<double>(), m["hi"].get<double>());
      EXPECT_DOUBLE_EQ(m["a"].get<double>(), iv->a);
      EXPECT_DOUBLE_EQ(m["b"].get<double>(), iv->b);
    }
  EXPECT_TRUE(found) << j.dump();
  const std::string md = readFileToString((root() / "qat_summary" / "q.summary.md").string());
  EXPECT_EQ(md, r.summaryMarkdown);
  EXPECT_NE(md.find("FP32 vs QAT"), std::string::npos) << md;
  // Without a validation split (or with compare off) there is no summary.
  job.output = (root() / "qat_summary_none" / "q.safetensors").string();
  job.valSplit = "none";
  const QatResult none = runQat(job);
  EXPECT_FALSE(none.paired.has_value());
  EXPECT_FALSE(fs::exists(root() / "qat_summary_none" / "q.summary.json"));
}

TEST_F(PtqWorkflow, QatKeepsItsCalibrationFrozenAndRefusesAReusedWorkDir) {
  QatJob job;
  job.config = config();
  RecipeOverrides o;
  o.calibrationBatches = 2;
  job.recipe = QuantRecipe::fromConfig(job.config).with(o, "qat");
  job.checkpoint = weights();
  job.dataRoot = data();
  job.valSplit = "none";
  job.trainer.epochs = 1;
  job.trainer.lr = 1e-5;
  job.trainer.seed = 3;
  job.output = (root() / "qat" / "q.safetensors").string();
  const QatResult r = runQat(job);
  ASSERT_EQ(r.history.size(), 1u);
  const auto state = readJson((root() / "qat" / "q_work" / "latest.json").string());
  EXPECT_EQ(state["settings"]["mode"], "qat");
  // Frozen amax: the checkpoint's input amax are the calibration's.
  const StateDict sd = loadCheckpoint(job.output);
  const nlohmann::json calib = readJson((root() / "qat" / "q_work" / "calibration.json").string());
  EXPECT_EQ(calib["batches"], 2);
  size_t inputs = 0;
  for (const auto& [name, t] : sd.items()) {
    if (name.find("_input_quantizer._amax") == std::string::npos) continue;
    ++inputs;
    EXPECT_EQ(t.item<float>(), calib["amax"][name].get<float>()) << name;
  }
  EXPECT_GT(inputs, 0u);
  job.overwrite = true;
  try {
    runQat(job);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("already holds a run"), std::string::npos) << e.what();
  }
  job.startEpoch = 1;  // must leave at least one quantized epoch
  EXPECT_THROW(runQat(job), Error);
}

TEST_F(PtqWorkflow, ExportCalibratesWithTheRecipeOrExportsAPtqCheckpoint) {
  ExportJob job;
  job.config = config();
  job.checkpoint = weights();
  job.dataRoot = data();
  job.outDir = (root() / "export_calibrated").string();
  EXPECT_EQ(runExport(job), " (calibrated on split 'train', INT8 Q/DQ)");
  const PtqResult ptq = runPtq(ptqJob("for_export"));
  ExportJob q;
  q.config = config();
  q.checkpoint = ptq.paths.checkpoint;
  q.outDir = (root() / "export_quantized").string();
  try {
    runExport(q);  // a fake-quant checkpoint without `quantized` is refused, not silently INT8
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--quantized"), std::string::npos) << e.what();
  }
  q.quantized = true;
  CenterPoint reloaded = loadQuantizedCenterPoint(q.config, ptq.paths.checkpoint);
  const size_t int8 = quantizedLayers(*reloaded).size();
  EXPECT_EQ(runExport(q), " (INT8 Q/DQ on " + std::to_string(int8) + " layers; inputs fp32, outputs fp32)");
}

}  // namespace
}  // namespace cpq
