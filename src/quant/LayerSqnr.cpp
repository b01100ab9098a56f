#include "quant/LayerSqnr.h"

#include <cmath>
#include <limits>
#include <map>

#include "quant/QuantInsertion.h"

namespace cpq {

QuantizerStateSnapshot::QuantizerStateSnapshot(torch::nn::Module& model) : model_(model) {
  for (const auto& o : quantizerOwners(model_))
    for (const TensorQuantizer& q : {o.input, o.weight})
      if (!q.is_empty()) states_.push_back(static_cast<int>(q->state()));
}

namespace {

void applyState(TensorQuantizer& q, QuantizerState s) {
  if (s == QuantizerState::Disabled)
    q->disable();
  else if (s == QuantizerState::Calibrating)
    q->enableCalibration();
  else
    q->enableQuantization();
}

}  // namespace

void QuantizerStateSnapshot::restore() {
  size_t i = 0;
  for (const auto& o : quantizerOwners(model_))
    for (TensorQuantizer q : {o.input, o.weight})
      if (!q.is_empty()) applyState(q, static_cast<QuantizerState>(states_.at(i++)));
}

std::vector<LayerSqnr> measureLayerSqnr(torch::nn::Module& model, int64_t frames,
                                        const std::function<void(int64_t)>& runFrame,
                                        const std::vector<std::string>& layers) {
  torch::NoGradGuard noGrad;
  std::vector<std::pair<std::string, QuantLayer*>> measured;
  for (const auto& item : quantizedLayers(model)) {
    bool wanted = layers.empty();
    for (const auto& l : layers) wanted = wanted || l == item.first;
    if (wanted) measured.push_back(item);
  }
  QuantizerStateSnapshot snapshot(model);
  std::vector<at::Tensor> reference(measured.size());
  std::vector<at::Tensor> signal(measured.size()), noise(measured.size());
  for (int64_t f = 0; f < frames; ++f) {
    // Float pass: keep each layer's output.
    setQuantizerStates(model, QuantizerState::Disabled);
    for (size_t i = 0; i < measured.size(); ++i)
      measured[i].second->setOutputObserver(
          [&reference, i](const at::Tensor& y) { reference[i] = y.detach(); });
    runFrame(f);
    // Quantized pass: accumulate against the reference.
    snapshot.restore();
    for (size_t i = 0; i < measured.size(); ++i) {
      measured[i].second->setOutputObserver([&, i](const at::Tensor& y) {
        const at::Tensor ref = reference[i].to(at::kDouble), q = y.detach().to(at::kDouble);
        const at::Tensor s = ref.pow(2).sum(), n = (q - ref).pow(2).sum();
        signal[i] = signal[i].defined() ? signal[i] + s : s;
        noise[i] = noise[i].defined() ? noise[i] + n : n;
      });
    }
    runFrame(f);
  }
  for (auto& item : measured) item.second->setOutputObserver({});
  snapshot.restore();
  std::vector<LayerSqnr> out;
  if (measured.empty() || frames == 0) return out;
  const at::Tensor all = at::stack({at::stack(signal), at::stack(noise)}).cpu();
  for (size_t i = 0; i < measured.size(); ++i) {
    const double s = all[0][i].item<double>(), n = all[1][i].item<double>();
    const double db = n > 0 ? 10.0 * std::log10(s / n) : std::numeric_limits<double>::infinity();
    out.push_back({measured[i].first, db});
  }
  return out;
}

}  // namespace cpq
