#include "ptq/Sensitivity.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/Error.h"
#include "core/ProgressBar.h"
#include "model/TaskOutputs.h"
#include "quant/LayerSqnr.h"
#include "quant/QuantInsertion.h"

namespace cpq {
namespace {

void setOwnerState(const QuantizerOwner& o, bool on) {
  if (on) {
    enableOwnerQuantization(o);  // a dead input stays float
    return;
  }
  for (TensorQuantizer q : {o.input, o.weight})
    if (!q.is_empty()) q->disable();
}

at::Tensor boxes(const TaskOutputs& t) { return boxChannels(t).to(at::kDouble); }

std::vector<double> ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = 0.5 * static_cast<double>(i + j);  // average rank of a tie
    i = j + 1;
  }
  return r;
}

}  // namespace

double headOutputError(const HeadOutputs& out, const HeadOutputs& ref) {
  double hmNoise = 0, hmSignal = 0, boxNoise = 0, boxSignal = 0;
  for (size_t t = 0; t < ref.size(); ++t) {
    const at::Tensor h = at::sigmoid(out[t].heatmap.to(at::kDouble)),
                     hr = at::sigmoid(ref[t].heatmap.to(at::kDouble));
    hmNoise += (h - hr).pow(2).sum().item<double>();
    hmSignal += hr.pow(2).sum().item<double>();
    const at::Tensor b = boxes(out[t]), br = boxes(ref[t]);
    boxNoise += (b - br).pow(2).sum().item<double>();
    boxSignal += br.pow(2).sum().item<double>();
  }
  return std::sqrt(hmNoise / std::max(hmSignal, 1e-30)) + std::sqrt(boxNoise / std::max(boxSignal, 1e-30));
}

double spearmanCorrelation(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) return std::nan("");
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double n = static_cast<double>(a.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n,
               mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double cov = 0, va = 0, vb = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    cov += (ra[i] - ma) * (rb[i] - mb);
    va += (ra[i] - ma) * (ra[i] - ma);
    vb += (rb[i] - mb) * (rb[i] - mb);
  }
  return va > 0 && vb > 0 ? cov / std::sqrt(va * vb) : std::nan("");
}

std::vector<SensitivityRow> profileSensitivity(torch::nn::Module& model, const SensitivityProbe& probe,
                                               bool evaluate, double* baselineMap) {
  torch::NoGradGuard noGrad;
  const auto owners = quantizerOwners(model);
  if (owners.empty()) throw Error("sensitivity: the model has no quantized layers");
  QuantizerStateSnapshot snapshot(model);
  setQuantizerStates(model, QuantizerState::Disabled);
  // Float references of the head outputs, and the float model's own (zero) proxy error.
  std::vector<HeadOutputs> reference;
  for (int64_t f = 0; f < probe.frames; ++f) reference.push_back(probe.runFrame(f));
  const double baseline = evaluate && probe.evaluateMap ? probe.evaluateMap() : std::nan("");
  if (evaluate && probe.evaluateMap && probe.evaluated) probe.evaluated(nullptr);
  if (baselineMap) *baselineMap = baseline;

  std::vector<SensitivityRow> rows;
  ProgressBar bar(evaluate ? "sensitivity" : "sensitivity (proxy)", owners.size(), "layers");
  for (const auto& o : owners) {
    SensitivityRow row;
    row.layer = o.name;
    setOwnerState(o, true);
    double err = 0;
    for (int64_t f = 0; f < probe.frames; ++f) err += headOutputError(probe.runFrame(f), reference[f]);
    row.proxy = probe.frames ? err / static_cast<double>(probe.frames) : 0.0;
    const auto sqnr = measureLayerSqnr(model, probe.frames, [&](int64_t f) { probe.runFrame(f); }, {o.name});
    row.sqnrDb = sqnr.empty() ? std::nan("") : sqnr[0].sqnrDb;
    if (evaluate && probe.evaluateMap) {
      row.map = probe.evaluateMap();
      row.delta = baseline - row.map;
      if (probe.evaluated) probe.evaluated(&row);
    }
    setOwnerState(o, false);
    rows.push_back(row);
    bar.advance(1, o.name);
  }
  bar.finish();
  snapshot.restore();
  return rows;
}

FloatLayerSelection selectFloatLayers(torch::nn::Module& model, std::vector<SensitivityRow> rows,
                                      double budget, double baselineMap,
                                      const std::function<double()>& evaluateMap) {
  if (!(budget >= 0))
    throw Error(fmt::format("sensitivity --budget must be a non-negative mAP fraction, not {}", budget));
  const bool byDelta =
      std::all_of(rows.begin(), rows.end(), [](const SensitivityRow& r) { return !std::isnan(r.delta); });
  std::stable_sort(rows.begin(), rows.end(), [&](const SensitivityRow& a, const SensitivityRow& b) {
    return byDelta ? a.delta > b.delta : a.proxy > b.proxy;
  });
  const auto owners = quantizerOwners(model);
  FloatLayerSelection s;
  s.baselineMap = baselineMap;
  auto evaluateWith = [&](const std::vector<std::string>& floatSet) {
    for (const auto& o : owners)
      setOwnerState(o, std::find(floatSet.begin(), floatSet.end(), o.name) == floatSet.end());
    ++s.evaluations;
    return evaluateMap();
  };
  std::vector<std::string> floatSet;
  for (size_t k = 0; k <= rows.size(); ++k) {
    if (k > 0) floatSet.push_back(rows[k - 1].layer);
    s.int8Map = evaluateWith(floatSet);
    spdlog::info("{} layers float: INT8 mAP {:.4f}, drop {:.4f} (budget {:.4f})", floatSet.size(), s.int8Map,
                 baselineMap - s.int8Map, budget);
    if (baselineMap - s.int8Map <= budget) {
      s.floatLayers = floatSet;
      return s;
    }
  }
  throw Error(
      fmt::format("sensitivity: the budget {:.4f} cannot be met even with every layer in float (drop {:.4f})",
                  budget, baselineMap - s.int8Map));
}

std::string sensitiveLayersYaml(const FloatLayerSelection& s, double budget) {
  std::string y =
      fmt::format("# INT8 mAP drop {:.4f} <= budget {:.4f} (baseline {:.4f}, INT8 {:.4f}; {} evaluations)\n",
                  s.baselineMap - s.int8Map, budget, s.baselineMap, s.int8Map, s.evaluations);
  y += "quantization:\n  sensitive_layers:";
  if (s.floatLayers.empty()) return y + " []\n";
  y += "\n";
  for (const auto& l : s.floatLayers) y += "    - " + l + "\n";
  return y;
}

}  // namespace cpq
