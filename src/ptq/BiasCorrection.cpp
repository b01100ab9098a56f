#include "ptq/BiasCorrection.h"

#include "ptq/OutputRangeSearch.h"
#include "quant/FakeQuantize.h"

namespace cpq {

at::Tensor quantizationMeanShift(const LayerSamples& samples, double inputAmax) {
  QuantLayer& layer = *samples.layer;
  const QuantDescriptor& in = layer.inputQuantizer()->descriptor();
  const at::Tensor a = at::full({}, inputAmax, samples.rows.options());
  const at::Tensor xq = fakeQuantize(samples.rows, a, in.numBits, in.isUnsigned, in.narrowRange);
  const at::Tensor wq = maxCalibratedFakeQuant(layer.layerWeight(), layer.weightQuantizer()->descriptor());
  const at::Tensor diff = (layerOutput(layer, xq, wq.to(samples.rows.device()), false) -
                           layerOutput(layer, samples.rows, layer.layerWeight().detach(), false))
                              .mean(0);  // per column
  const int64_t channels = layer.layerWeight().size(layer.outputChannelAxis());
  const at::Tensor col = outputChannelOfColumns(layer).to(diff.device());
  at::Tensor sum = at::zeros({channels}, diff.options()).index_add_(0, col, diff);
  const at::Tensor count = at::zeros({channels}, diff.options()).index_add_(0, col, at::ones_like(diff));
  return (sum / count).cpu();
}

std::vector<BiasCorrectionResult> correctBiases(std::vector<LayerSamples>& samples) {
  std::vector<BiasCorrectionResult> results;
  torch::NoGradGuard noGrad;
  for (LayerSamples& s : samples) {
    QuantLayer& layer = *s.layer;
    if (!layer.isQuantized() || !s.rows.defined() || s.rows.size(0) == 0) continue;
    const auto& iq = layer.inputQuantizer();
    if (iq->state() != QuantizerState::Quantizing || !iq->hasAmax()) continue;
    const double amax = iq->amax().max().item<double>();
    const at::Tensor shift = quantizationMeanShift(s, amax);
    const at::Tensor ref = layerOutput(layer, s.rows, layer.layerWeight().detach(), false);
    BiasCorrectionResult r;
    r.layer = s.name;
    r.meanAbsShift = shift.abs().mean().item<double>();
    r.relativeShift = r.meanAbsShift / std::max(ref.pow(2).mean().sqrt().item<double>(), 1e-30);
    const at::Tensor& w = layer.layerWeight();
    const at::Tensor bias = layer.layerBias().defined() ? layer.layerBias().detach().clone()
                                                        : at::zeros({shift.size(0)}, w.options());
    layer.setBias(bias - shift.to(bias.device(), bias.scalar_type()));
    results.push_back(r);
  }
  return results;
}

}  // namespace cpq
