#include "train/Trainer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>

#include "checkpoint/ModuleStateDict.h"
#include "checkpoint/Safetensors.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "core/Fingerprint.h"
#include "core/ProgressBar.h"
#include "eval/DatasetEvaluation.h"
#include "infer/DatasetInference.h"
#include "train/BatchLoader.h"
#include "train/LrSchedule.h"
#include "train/OptimizerState.h"
#include "train/TrainStep.h"

namespace cpq {
namespace fs = std::filesystem;
namespace {

OptimizerConfig effectiveOptimizer(const CenterPointConfig& cfg, const TrainerOptions& o) {
  OptimizerConfig c = cfg.optimizer;
  if (o.epochs > 0) c.epochs = o.epochs;
  if (o.batchSize > 0) c.batchSize = o.batchSize;
  if (o.lr > 0) c.lr = o.lr;
  if (o.valInterval > 0) c.valInterval = o.valInterval;
  return c;
}

StateDict cpuStateDict(const StateDict& sd) {
  StateDict out;
  for (const auto& [name, t] : sd.items()) out.insert(name, t.detach().to(at::kCPU).contiguous());
  return out;
}

std::string epochFile(const std::string& dir, int epoch, const std::string& suffix) {
  return (fs::path(dir) / fmt::format("epoch_{}{}", epoch, suffix)).string();
}

nlohmann::ordered_json readJson(const std::string& path) {
  try {
    return nlohmann::ordered_json::parse(readFileToString(path));
  } catch (const nlohmann::json::exception& e) {
    throw fileError(path, std::string("not a valid training state: ") + e.what());
  }
}

// Parameters the optimizer does not hold yet (registered by a beforeEpoch hook) join it as a new group with
// the first group's options; learnable amax without weight decay (makeAdamW's rule).
void adoptNewParameters(torch::optim::Optimizer& optimizer, CenterPoint& model) {
  std::set<const void*> held;
  for (const auto& group : optimizer.param_groups())
    for (const auto& p : group.params()) held.insert(p.unsafeGetTensorImpl());
  std::vector<at::Tensor> weights, amax;
  for (const auto& p : model->named_parameters())
    if (p.value().requires_grad() && !held.count(p.value().unsafeGetTensorImpl()))
      (isLearnableAmax(p.key()) ? amax : weights).push_back(p.value());
  if (weights.empty() && amax.empty()) return;
  spdlog::info("{} new parameter tensor(s) join the optimizer", weights.size() + amax.size());
  const auto& first = optimizer.param_groups().front().options();
  if (!weights.empty()) optimizer.add_param_group(torch::optim::OptimizerParamGroup(weights, first.clone()));
  if (!amax.empty()) {
    auto noDecay = first.clone();
    if (auto* adamw = dynamic_cast<torch::optim::AdamWOptions*>(noDecay.get())) adamw->weight_decay(0.0);
    optimizer.add_param_group(torch::optim::OptimizerParamGroup(amax, std::move(noDecay)));
  }
}

}  // namespace

nlohmann::ordered_json EpochRecord::toJson() const {
  nlohmann::ordered_json j = {{"epoch", epoch}, {"step", step},       {"mean_loss", meanLoss},
                              {"lr", lastLr},   {"seconds", seconds}, {"frames_per_s", framesPerSecond}};
  j["val_map_overall"] = valMap ? nlohmann::ordered_json(*valMap) : nlohmann::ordered_json(nullptr);
  return j;
}

// A resumed run must use the config it was started with.
std::string configFingerprint(const CenterPointConfig& cfg) {
  if (cfg.sourcePath.empty() || !fs::exists(cfg.sourcePath)) return "";
  return fileFingerprint(cfg.sourcePath);
}

nlohmann::ordered_json runSettings(const CenterPointConfig& cfg, const TrainerOptions& o) {
  const OptimizerConfig c = effectiveOptimizer(cfg, o);
  nlohmann::ordered_json j = {{"epochs", c.epochs},   {"batch_size", c.batchSize},
                              {"lr", c.lr},           {"seed", o.seed},
                              {"augment", o.augment}, {"config_fnv1a", configFingerprint(cfg)}};
  for (auto it = o.extraSettings.begin(); it != o.extraSettings.end(); ++it) j[it.key()] = it.value();
  return j;
}

Trainer::Trainer(const CenterPointConfig& cfg, CenterPoint model, const DetectionDataset& train,
                 const DetectionDataset* val, TrainerOptions options)
    : cfg_(cfg), model_(std::move(model)), train_(train), val_(val), opt_(std::move(options)) {
  if (train_.size() == 0) throw Error("train: the training split has no samples");
}

std::optional<double> Trainer::validate() {
  if (!val_ || val_->size() == 0) return std::nullopt;
  InferencePipeline pipeline(cfg_, model_, opt_.device);
  const EvaluationReport r = evaluateOnDataset(pipeline, *val_, frameIndices(val_->size(), opt_.maxValFrames),
                                               cfg_, "val", /*withNuScenes=*/false);
  if (opt_.freezeNorms)
    trainWithFrozenNorms(model_);
  else
    model_->train();
  return r.t4->mAP.at("overall");
}

void Trainer::writeCheckpoint(int epoch, int64_t step, const std::vector<EpochRecord>& history,
                              torch::optim::AdamW& optimizer) {
  const std::string model = epochFile(opt_.workDir, epoch, ".safetensors");
  const std::string optim = epochFile(opt_.workDir, epoch, ".optim.safetensors");
  const std::string state = epochFile(opt_.workDir, epoch, ".state.json");
  saveSafetensors(model, cpuStateDict(stateDictOf(*model_)),
                  {{"producer", "centerpoint-quant train"}, {"epoch", std::to_string(epoch)}});
  saveSafetensors(optim, adamWStateDict(optimizer, model_));
  nlohmann::ordered_json j = {{"epoch", epoch},
                              {"step", step},
                              {"model", fs::path(model).filename().string()},
                              {"optimizer", fs::path(optim).filename().string()},
                              {"config", cfg_.sourcePath},
                              {"settings", runSettings(cfg_, opt_)}};
  j["history"] = nlohmann::ordered_json::array();
  for (const auto& r : history) j["history"].push_back(r.toJson());
  const std::string text = j.dump(2) + "\n";
  writeStringAtomically(state, text);
  writeStringAtomically((fs::path(opt_.workDir) / "latest.json").string(),
                        text);  // last: marks the epoch done
  if (opt_.onCheckpoint) opt_.onCheckpoint({model, optim, state});
}

TrainResult Trainer::run() {
  const OptimizerConfig oc = effectiveOptimizer(cfg_, opt_);
  fs::create_directories(opt_.workDir);
  const std::string latest = (fs::path(opt_.workDir) / "latest.json").string();
  model_->to(opt_.device);
  auto optimizer = makeAdamW(model_, oc);
  TrainResult result;
  int startEpoch = 1;
  int64_t step = 0;
  if (opt_.resume) {
    if (!fs::exists(latest)) throw fileError(latest, "nothing to resume (no finished epoch in the work dir)");
    const auto j = readJson(latest);
    try {  // a hand-edited or truncated state names the file instead of escaping as a JSON exception
      // Compared as unordered objects: a state re-saved with sorted keys is the same run.
      if (nlohmann::json::parse(j.at("settings").dump()) !=
          nlohmann::json::parse(runSettings(cfg_, opt_).dump()))
        throw fileError(latest, "the run was started with other settings: " + j.at("settings").dump() +
                                    "; now " + runSettings(cfg_, opt_).dump());
      const std::string modelPath = (fs::path(opt_.workDir) / j.at("model").get<std::string>()).string();
      const std::string optimPath = (fs::path(opt_.workDir) / j.at("optimizer").get<std::string>()).string();
      loadStateDict(*model_, loadSafetensors(modelPath), modelPath);
      model_->to(opt_.device);
      loadAdamWState(*optimizer, model_, loadSafetensors(optimPath), optimPath);
      startEpoch = j.at("epoch").get<int>() + 1;
      step = j.at("step").get<int64_t>();
      for (const auto& h : j.at("history")) {
        EpochRecord r;
        r.epoch = h.at("epoch");
        r.step = h.at("step");
        r.meanLoss = h.at("mean_loss");
        r.lastLr = h.at("lr");
        r.seconds = h.at("seconds");
        r.framesPerSecond = h.at("frames_per_s");
        if (!h.at("val_map_overall").is_null()) r.valMap = h.at("val_map_overall").get<double>();
        result.history.push_back(r);
      }
      result.finalCheckpoint = modelPath;
    } catch (const nlohmann::json::exception& e) {
      throw fileError(latest, std::string("not a valid training state: ") + e.what());
    }
    spdlog::info("resuming after epoch {} (step {}) from {}", startEpoch - 1, step, latest);
  } else if (fs::exists(latest)) {
    throw fileError(opt_.workDir,
                    "already holds a training run; pass --resume to continue it or use another --work-dir");
  }

  const int64_t itersPerEpoch = int64_t((train_.size() + size_t(oc.batchSize) - 1) / size_t(oc.batchSize));
  const TwoPhaseCosineSchedule schedule = awmlSchedule(oc, itersPerEpoch);
  if (!opt_.teacher.is_empty()) opt_.teacher->to(opt_.device);
  const TrainStep trainStep(cfg_, opt_.freezeNorms, opt_.teacher);
  for (int epoch = startEpoch; epoch <= oc.epochs; ++epoch) {
    if (opt_.beforeEpoch) {
      opt_.beforeEpoch(epoch, model_);
      model_->to(opt_.device);
      adoptNewParameters(*optimizer, model_);
    }
    BatchPlan plan = planEpoch(train_.size(), oc.batchSize, opt_.seed, uint64_t(epoch));
    plan.augment = opt_.augment;
    const std::vector<std::vector<size_t>> batches = plan.batches;  // for messages
    BatchLoader loader(cfg_, train_, std::move(plan), opt_.loaderWorkers);
    ProgressBar bar(fmt::format("epoch {}/{}", epoch, oc.epochs), size_t(itersPerEpoch), "it");
    EpochRecord rec;
    rec.epoch = epoch;
    double lossSum = 0;
    int64_t frames = 0, iters = 0;
    while (auto batch = loader.next()) {
      const TrainBatch onDevice = batch->to(opt_.device);
      const StepResult r = trainStep.run(model_, *optimizer, onDevice, schedule.at(step));
      if (!std::isfinite(r.loss)) {
        std::string terms, tokens;
        for (const auto& [name, v] : r.terms) terms += fmt::format(" {}={}", name, v);
        for (size_t i : batches.at(size_t(iters))) tokens += " " + train_.sample(i).token;
        throw Error(
            fmt::format("train: non-finite loss at epoch {}, step {} (loss terms:{}; samples:{}); the last "
                        "good checkpoint "
                        "is the previous epoch's in {}",
                        epoch, step, terms, tokens, opt_.workDir));
      }
      ++step;
      ++iters;
      frames += batch->batchSize;
      lossSum += r.loss;
      rec.lastLr = r.schedule.lr;
      bar.advance(1, fmt::format("loss {:.4f} lr {:.2e} {:.1f} frames/s", r.loss, r.schedule.lr,
                                 double(frames) / std::max(bar.elapsedSeconds(), 1e-9)));
    }
    bar.finish();
    rec.step = step;
    rec.meanLoss = iters ? lossSum / double(iters) : 0.0;
    rec.seconds = bar.elapsedSeconds();
    rec.framesPerSecond = double(frames) / std::max(rec.seconds, 1e-9);
    if (epoch % oc.valInterval == 0 || epoch == oc.epochs) rec.valMap = validate();
    spdlog::info("epoch {}: mean loss {:.4f}, {:.1f} frames/s{}", epoch, rec.meanLoss, rec.framesPerSecond,
                 rec.valMap ? fmt::format(", val mAP (overall) {:.4f}", *rec.valMap) : "");
    result.history.push_back(rec);
    writeCheckpoint(epoch, step, result.history, *optimizer);
    result.finalCheckpoint = epochFile(opt_.workDir, epoch, ".safetensors");
  }
  return result;
}

}  // namespace cpq
