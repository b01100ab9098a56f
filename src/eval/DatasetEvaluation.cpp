#include "eval/DatasetEvaluation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/Error.h"
#include "dataset/ClassMapping.h"
#include "eval/PredictionFrames.h"
#include "eval/ResultsValidation.h"

namespace cpq {
namespace {

std::array<double, 3> toArray(const Eigen::Vector3d& v) { return {v.x(), v.y(), v.z()}; }
std::array<double, 4> toArray(const Eigen::Quaterniond& q) { return {q.w(), q.x(), q.y(), q.z()}; }

EvalBox globalGtBox(const SampleInfo& s, const GtBox& g, const std::string& name) {
  EvalBox b;
  b.sampleToken = s.token;
  b.translation = toArray(g.center);
  b.size = toArray(g.size);
  b.rotation = toArray(g.rotation);
  b.velocity = {g.velocity.x(), g.velocity.y()};
  b.detectionName = name;
  b.attributeName = g.attribute;
  b.numPts = g.numLidarPts + g.numRadarPts;
  return b;
}

std::string cell(double v) { return std::isnan(v) ? "n/a" : fmt::format("{:.4f}", v); }

std::string nuscenesSection(const DetectionMetrics& m) {
  std::string md =
      fmt::format("## nuScenes detection metric\n\nmAP **{:.4f}**, NDS **{:.4f}**\n\n", m.meanAp, m.ndScore);
  md += "| class | AP@0.5 | AP@1.0 | AP@2.0 | AP@4.0 | mean AP | ATE | ASE | AOE | AVE | AAE |\n";
  md += "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& cls : m.classNames) {
    md += "| " + cls;
    for (double th : m.distThs) md += " | " + cell(m.labelAps.at(cls).at(th));
    md += " | " + cell(m.meanDistAps.at(cls));
    for (const auto& metric : tpMetricNames()) md += " | " + cell(m.labelTpErrors.at(cls).at(metric));
    md += " |\n";
  }
  md += "\n| TP metric | error | score |\n|---|---|---|\n";
  for (const auto& metric : tpMetricNames())
    md += fmt::format("| {} | {} | {} |\n", metric, cell(m.tpErrors.at(metric)), cell(m.tpScores.at(metric)));
  return md + "\n";
}

std::string bucketSection(const RangeBucketedResult& r) {
  std::string md = "## Range-bucketed mAP (BEV centre distance from the lidar)\n\n| class |";
  std::string rule = "|---|";
  for (const auto& b : r.buckets) {
    md += fmt::format(" {} ({:g}-{:g} m) |", b.name, b.lo, b.hi);
    rule += "---|";
  }
  md += "\n" + rule + "\n";
  for (const auto& cls : r.classes) {
    md += "| " + cls + " |";
    for (const auto& b : r.buckets) md += " " + cell(r.ap.at(cls).at(b.name)) + " |";
    md += "\n";
  }
  md += "| **mAP** |";
  for (const auto& b : r.buckets) md += " **" + cell(r.mAP.at(b.name)) + "** |";
  return md + "\n\nAP and mAP are fractions in [0, 1], averaged over the thresholds 0.5, 1, 2 and 4 m.\n\n";
}

}  // namespace

DetectionConfig nuscenesConfigFor(const std::vector<std::string>& classes) {
  DetectionConfig cfg = DetectionConfig::defaults();
  if (classes.empty()) return cfg;
  std::vector<std::string> kept;
  for (const auto& name : cfg.classNames)
    if (std::find(classes.begin(), classes.end(), name) != classes.end()) kept.push_back(name);
  if (kept.empty())
    throw Error("the nuScenes metric needs at least one nuScenes detection class among the config's classes");
  cfg.classNames = kept;
  return cfg;
}

NuScenesGroundTruth nuscenesGroundTruth(const std::vector<const SampleInfo*>& samples) {
  NuScenesGroundTruth gt;
  for (const SampleInfo* s : samples) {
    gt.boxes.addSample(s->token);
    gt.context.egoTranslation[s->token] = toArray(s->egoToGlobal.translation);
    for (const GtBox& g : s->boxes) {
      if (g.category == "static_object.bicycle_rack") {
        gt.context.bikeRacks[s->token].push_back({toArray(g.center), toArray(g.size), toArray(g.rotation)});
        continue;
      }
      gt.boxes.add(globalGtBox(*s, g, devkitDetectionName(g.category)));
    }
  }
  return gt;
}

EvalBoxes lidarGroundTruth(const std::vector<const SampleInfo*>& samples) {
  EvalBoxes out;
  for (const SampleInfo* s : samples) {
    out.addSample(s->token);
    for (const GtBox& g : s->boxes)
      if (!g.className.empty()) out.add(globalToLidar(globalGtBox(*s, g, g.className), *s));
  }
  return out;
}

PreparedEvaluation prepareEvaluation(const std::vector<const SampleInfo*>& samples,
                                     const EvalBoxes& predGlobal, const EvaluationOptions& options,
                                     const std::string& source) {
  PreparedEvaluation prepared;
  if (options.nuscenes) {
    const DetectionConfig& cfg = *options.nuscenes;
    const NuScenesGroundTruth gt = nuscenesGroundTruth(samples);
    validatePredictions(predGlobal, gt.boxes, cfg, source);
    prepared.nuscenesConfig = cfg;
    prepared.nuscenesGt = filterEvalBoxes(gt.boxes, cfg.classRange, gt.context).boxes;
    prepared.nuscenesPred = filterEvalBoxes(predGlobal, cfg.classRange, gt.context).boxes;
  }
  if (options.rangeBuckets) {
    DetectionConfig checks = DetectionConfig::defaults();
    checks.classNames = options.rangeBuckets->classes;
    prepared.lidarGt = lidarGroundTruth(samples);
    validatePredictions(predGlobal, prepared.lidarGt, checks, source);
    std::unordered_map<std::string, const SampleInfo*> byToken;
    for (const SampleInfo* s : samples) byToken[s->token] = s;
    for (const auto& token : predGlobal.sampleTokens()) {
      auto it = byToken.find(token);
      if (it == byToken.end())
        throw Error(source + ": sample token " + token + " is not a sample of the evaluated split");
      prepared.lidarPred.addSample(token);
      for (const EvalBox& b : predGlobal[token]) prepared.lidarPred.add(globalToLidar(b, *it->second));
    }
    prepared.rangeBuckets = options.rangeBuckets;
  }
  return prepared;
}

EvaluationReport evaluatePredictions(const std::vector<const SampleInfo*>& samples,
                                     const EvalBoxes& predGlobal, const EvaluationOptions& options,
                                     const std::string& source) {
  return evaluatePrepared(prepareEvaluation(samples, predGlobal, options, source), samples.size());
}

EvaluationReport evaluatePrepared(const PreparedEvaluation& prepared, size_t frames) {
  EvaluationReport report;
  report.frames = frames;
  if (prepared.nuscenesConfig)
    report.nuscenes = evaluateDetection(*prepared.nuscenesConfig, prepared.nuscenesGt, prepared.nuscenesPred);
  if (prepared.rangeBuckets)
    report.t4 = evaluateRangeBucketed(*prepared.rangeBuckets, prepared.lidarGt, prepared.lidarPred);
  return report;
}

nlohmann::ordered_json EvaluationReport::toJson() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (nuscenes) j["nuscenes"] = nuscenes->toJson();
  if (t4) j["t4"] = t4->toJson();
  j["frames"] = frames;
  return j;
}

std::string EvaluationReport::summaryMarkdown() const {
  std::string md = fmt::format("# Evaluation summary\n\n{} frames.\n\n", frames);
  if (t4) md += bucketSection(*t4);
  if (nuscenes) md += nuscenesSection(*nuscenes);
  return md;
}

}  // namespace cpq
