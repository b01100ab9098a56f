#include "infer/DatasetInference.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <numeric>

#include "core/Error.h"
#include "core/ProgressBar.h"
#include "dataset/FramePrefetcher.h"
#include "eval/PredictionFrames.h"

namespace cpq {

std::vector<std::vector<Detection>> detectOnDataset(InferencePipeline& pipeline,
                                                    const DetectionDataset& dataset,
                                                    const std::vector<size_t>& indices,
                                                    const std::string& label, DatasetInferenceStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::vector<Detection>> out;
  out.reserve(indices.size());
  DatasetInferenceStats local;
  FramePrefetcher prefetch(dataset, indices, 4);
  ProgressBar bar(label, indices.size(), "frames");
  while (auto frame = prefetch.next()) {
    local.points += frame->points.points.size(0);
    local.droppedNonFinite += frame->points.droppedNonFinite;
    out.push_back(pipeline.run(frame->points.points));
    bar.advance();
  }
  bar.finish();
  local.frames = out.size();
  local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (local.droppedNonFinite > 0)
    spdlog::warn("{} non-finite points dropped over {} frames", local.droppedNonFinite, local.frames);
  if (stats) *stats = local;
  return out;
}

EvalBoxes detectionsToResults(const DetectionDataset& dataset, const std::vector<size_t>& indices,
                              const std::vector<std::vector<Detection>>& detections,
                              const std::vector<std::string>& classNames) {
  if (detections.size() != indices.size())
    throw Error("detectionsToResults: one detection list per frame needed");
  EvalBoxes results;
  for (size_t f = 0; f < indices.size(); ++f) {
    const SampleInfo& sample = dataset.sample(indices[f]);
    results.addSample(sample.token);
    for (const Detection& d : detections[f])
      results.add(detectionToGlobal(d, classNames.at(d.label), sample));
  }
  return results;
}

std::vector<size_t> frameIndices(size_t count, size_t max) {
  std::vector<size_t> indices(max ? std::min(max, count) : count);
  std::iota(indices.begin(), indices.end(), size_t{0});
  return indices;
}

std::vector<at::Tensor> loadPointClouds(const DetectionDataset& dataset, const std::vector<size_t>& indices) {
  std::vector<at::Tensor> clouds;
  FramePrefetcher prefetch(dataset, indices, 2);
  while (auto frame = prefetch.next()) clouds.push_back(frame->points.points);
  return clouds;
}

EvaluationOptions evaluationOptionsFor(const CenterPointConfig& cfg, bool withNuScenes) {
  EvaluationOptions o;
  o.rangeBuckets = RangeBucketConfig::fromRanges(cfg.classNames, cfg.evaluation.rangeBuckets);
  if (withNuScenes) {
    try {
      o.nuscenes = nuscenesConfigFor(cfg.classNames);
    } catch (const Error&) {
      // No devkit class among the config's: the range-bucketed metric alone.
    }
  }
  return o;
}

ScoredRun scoreOnDataset(InferencePipeline& pipeline, const DetectionDataset& dataset,
                         const std::vector<size_t>& indices, const CenterPointConfig& cfg,
                         const std::string& label, bool withNuScenes) {
  auto dets = detectOnDataset(pipeline, dataset, indices, label);
  std::vector<const SampleInfo*> samples;
  for (size_t i : indices) samples.push_back(&dataset.sample(i));
  const PreparedEvaluation prepared =
      prepareEvaluation(samples, detectionsToResults(dataset, indices, dets, cfg.classNames),
                        evaluationOptionsFor(cfg, withNuScenes), label + " predictions");
  return {evaluatePrepared(prepared, samples.size()), std::move(dets), ResampledMetrics(prepared)};
}

EvaluationReport evaluateOnDataset(InferencePipeline& pipeline, const DetectionDataset& dataset,
                                   const std::vector<size_t>& indices, const CenterPointConfig& cfg,
                                   const std::string& label, bool withNuScenes) {
  const auto dets = detectOnDataset(pipeline, dataset, indices, label);
  std::vector<const SampleInfo*> samples;
  for (size_t i : indices) samples.push_back(&dataset.sample(i));
  return evaluatePredictions(samples, detectionsToResults(dataset, indices, dets, cfg.classNames),
                             evaluationOptionsFor(cfg, withNuScenes), label + " predictions");
}

DatasetOptions datasetOptionsFor(const CenterPointConfig& cfg, const std::string& dataRoot,
                                 const std::string& split, const std::string& splitsFile,
                                 const std::string& version) {
  DatasetOptions o;
  o.dataRoot = dataRoot;
  o.version = version;
  o.split = split;
  o.splitsFile = splitsFile;
  o.sweepsNum = cfg.dataset.sweepsNum;
  o.classNames = cfg.classNames;
  o.nameMapping = cfg.dataset.nameMapping;
  return o;
}

}  // namespace cpq
