#pragma once
// Per-layer sensitivity to quantization (the seed plan's profiler): with the model calibrated once, every
// quantizer is disabled, then one layer's quantizers at a time are enabled and the model is scored
// against the float baseline: by a full evaluation (mAP drop), by the SQNR of that layer's output, and by
// a cheap proxy, the relative error the layer causes in the head outputs (sigmoid heatmap and box
// branches) over the evaluation frames.
#include <torch/nn/module.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "model/TaskOutputs.h"

namespace cpq {

struct SensitivityRow {
  std::string layer;
  double map = std::numeric_limits<double>::quiet_NaN();    // overall mAP with only this layer quantized
  double delta = std::numeric_limits<double>::quiet_NaN();  // baseline mAP - map (NaN without evaluation)
  // The paired bootstrap's 95% interval of delta (float vs this layer on the same frames); NaN when not
  // computed (proxy-only, or not among the top layers by delta).
  double deltaLo = std::numeric_limits<double>::quiet_NaN();
  double deltaHi = std::numeric_limits<double>::quiet_NaN();
  double sqnrDb = 0;  // this layer's output against float
  double proxy = 0;   // head output error increase against float
};

struct SensitivityProbe {
  int64_t frames = 0;                            // evaluation frames held for the proxy / SQNR
  std::function<HeadOutputs(int64_t)> runFrame;  // network outputs of frame i, the model as set now
  std::function<double()> evaluateMap;           // overall mAP of the model as set now (may be empty)
  // Optional: called right after each evaluation profileSensitivity makes, with nullptr for the float
  // baseline, else the row just evaluated (map and delta set), e.g. to keep that evaluation's curves.
  std::function<void(const SensitivityRow*)> evaluated;
};

// Rows in network order. With evaluate false only sqnr and proxy are filled (seconds, not minutes).
// baselineMap receives the float model's mAP when evaluated. Quantizer states are restored afterwards.
std::vector<SensitivityRow> profileSensitivity(torch::nn::Module& model, const SensitivityProbe& probe,
                                               bool evaluate, double* baselineMap);

// Relative error of the head outputs against a reference: ||sigmoid(hm) - sigmoid(hm_ref)|| /
// ||sigmoid(hm_ref)|| plus the same for the box branches (reg, height, dim, rot, vel) together.
double headOutputError(const HeadOutputs& out, const HeadOutputs& ref);

// Spearman rank correlation (average ranks for ties); NaN when either side is constant.
double spearmanCorrelation(const std::vector<double>& a, const std::vector<double>& b);

// Greedy float-layer selection for an INT8 mAP drop <= budget: layers join the float set in order of
// decreasing sensitivity (rows sorted by delta, else proxy) until the whole model, quantized except the
// set, evaluates within the budget. Returns the set (empty when full INT8 already meets it); the model is
// left with exactly that set disabled. cpq::Error for a negative budget or when even all-float misses it.
struct FloatLayerSelection {
  std::vector<std::string> floatLayers;
  double int8Map = 0, baselineMap = 0;
  int evaluations = 0;
};
FloatLayerSelection selectFloatLayers(torch::nn::Module& model, std::vector<SensitivityRow> rows,
                                      double budget, double baselineMap,
                                      const std::function<double()>& evaluateMap);

// The `sensitive_layers:` block for the config.
std::string sensitiveLayersYaml(const FloatLayerSelection& s, double budget);

}  // namespace cpq
