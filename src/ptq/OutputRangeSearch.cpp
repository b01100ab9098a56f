#include "ptq/OutputRangeSearch.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/FakeQuantize.h"

namespace cpq {

at::Tensor absMaxExcept(const at::Tensor& w, int64_t axis, bool keepdim) {
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < w.dim(); ++d)
    if (d != axis) dims.push_back(d);
  const at::Tensor a = w.detach().abs().to(at::kFloat);
  return dims.empty() ? a : at::amax(a, dims, keepdim);
}

at::Tensor maxCalibratedFakeQuant(const at::Tensor& weight, const QuantDescriptor& desc) {
  const at::Tensor w = weight.detach().to(at::kFloat);
  const at::Tensor amax = desc.axis ? absMaxExcept(w, *desc.axis, /*keepdim=*/true) : w.abs().max();
  return fakeQuantize(w, amax, desc.numBits, desc.isUnsigned, desc.narrowRange);
}

std::vector<double> rangeCandidates(double absMax) {
  std::vector<double> c;
  if (!(absMax > 0)) return c;
  for (int k = 0; k <= 48; ++k) c.push_back(absMax * std::pow(2.0, -k / 4.0));
  for (int i = 1; i <= 64; ++i) c.push_back(absMax * i / 64.0);
  std::sort(c.begin(), c.end());
  c.erase(std::unique(c.begin(), c.end(), [](double a, double b) { return std::abs(a - b) <= 1e-12 * b; }),
          c.end());
  return c;
}

double quantizedOutputError(QuantLayer& layer, const at::Tensor& rows, const QuantDescriptor& inputDesc,
                            double amax, const at::Tensor& quantizedWeight, const at::Tensor& reference) {
  const at::Tensor a = at::full({}, amax, rows.options());
  const at::Tensor xq = fakeQuantize(rows, a, inputDesc.numBits, inputDesc.isUnsigned, inputDesc.narrowRange);
  return (layerOutput(layer, xq, quantizedWeight, true) - reference).pow(2).mean().item<double>();
}

double bestAmaxOf(const std::vector<double>& candidates, QuantLayer& layer, const at::Tensor& rows,
                  const QuantDescriptor& inputDesc, const at::Tensor& quantizedWeight,
                  const at::Tensor& reference, double* bestError) {
  double best = candidates.empty() ? 0 : candidates.front();
  double bestErr = std::numeric_limits<double>::infinity();
  for (double c : candidates) {
    const double e = quantizedOutputError(layer, rows, inputDesc, c, quantizedWeight, reference);
    if (e < bestErr) {
      bestErr = e;
      best = c;
    }
  }
  if (bestError) *bestError = bestErr;
  return best;
}

RangeSearchResult searchInputAmax(const LayerSamples& samples, const QuantDescriptor& inputDesc,
                                  const at::Tensor& quantizedWeight, double calibratedAmax) {
  RangeSearchResult r;
  r.layer = samples.name;
  r.calibratedAmax = r.searchedAmax = calibratedAmax;
  if (!samples.rows.defined() || samples.rows.size(0) == 0 || !(samples.absMax > 0)) return r;
  QuantLayer& layer = *samples.layer;
  r.rows = samples.rows.size(0);
  const at::Tensor w = quantizedWeight.to(samples.rows.device());
  const at::Tensor reference = layerOutput(layer, samples.rows, layer.layerWeight().detach(), true);
  const double energy = std::max(reference.pow(2).mean().item<double>(), 1e-30);

  const std::vector<double> coarse = rangeCandidates(samples.absMax);
  double err = 0;
  const double coarseBest = bestAmaxOf(coarse, layer, samples.rows, inputDesc, w, reference, &err);
  const auto at = std::find(coarse.begin(), coarse.end(), coarseBest) - coarse.begin();
  const double lo = coarse[std::max<ptrdiff_t>(at - 1, 0)];
  const double hi = coarse[std::min<ptrdiff_t>(at + 1, static_cast<ptrdiff_t>(coarse.size()) - 1)];
  std::vector<double> fine;
  for (int i = 1; i < 16; ++i) fine.push_back(lo + (hi - lo) * i / 16.0);
  double fineErr = 0;
  const double fineBest = bestAmaxOf(fine, layer, samples.rows, inputDesc, w, reference, &fineErr);
  double best = fineErr < err ? fineBest : coarseBest;
  double bestErr = std::min(fineErr, err);
  r.candidates = static_cast<int64_t>(coarse.size() + fine.size() + 1);

  r.calibratedError =
      quantizedOutputError(layer, samples.rows, inputDesc, calibratedAmax, w, reference) / energy;
  bestErr /= energy;
  if (calibratedAmax > 0 && r.calibratedError <= bestErr) {
    best = calibratedAmax;
    bestErr = r.calibratedError;
  }
  r.searchedAmax = best;
  r.searchedError = bestErr;
  return r;
}

}  // namespace cpq
