#include "quant/TensorQuantizer.h"

#include <fmt/format.h>
#include <torch/utils.h>

#include <string>

#include "core/Error.h"
#include "quant/FakeQuantize.h"

namespace cpq {

TensorQuantizerImpl::TensorQuantizerImpl(QuantDescriptor desc) : desc_(std::move(desc)) {
  (void)quantRange(desc_.numBits, desc_.isUnsigned, desc_.narrowRange);  // rejects unsupported bit widths
  if (desc_.learnAmax && desc_.axis) {
    throw Error("learnable amax is per-tensor only, but the descriptor has axis " +
                std::to_string(*desc_.axis));
  }
}

at::Tensor TensorQuantizerImpl::forward(const at::Tensor& x) {
  switch (state_) {
    case QuantizerState::Disabled:
      return x;
    case QuantizerState::Calibrating:
      if (!calibrator_) calibrator_ = makeCalibrator(desc_);
      calibrator_->collect(x.detach());
      return x;
    case QuantizerState::Quantizing:
      break;
  }
  // A quantizer moved with its module has its amax there already; this only covers a stray device.
  const at::Tensor a = amax_.device() == x.device() ? amax_ : amax_.to(x.device());
  if (desc_.learnAmax) return fakeQuantizeLearnable(x, a, desc_.numBits, desc_.isUnsigned, desc_.narrowRange);
  return fakeQuantize(x, a, desc_.numBits, desc_.isUnsigned, desc_.narrowRange);
}

void TensorQuantizerImpl::enableCalibration() {
  if (!calibrator_) calibrator_ = makeCalibrator(desc_);
  state_ = QuantizerState::Calibrating;
}

void TensorQuantizerImpl::enableQuantization() {
  if (!hasAmax())
    throw Error("cannot enable quantization without amax: calibrate the quantizer or set amax first");
  state_ = QuantizerState::Quantizing;
}

bool TensorQuantizerImpl::hasAmax() const { return amax_.defined(); }

at::Tensor TensorQuantizerImpl::amax() const { return amax_; }

void TensorQuantizerImpl::setAmax(const at::Tensor& amax) {
  if (!amax.defined()) throw Error("setAmax: undefined amax");
  if (desc_.learnAmax && amax.numel() != 1) {
    throw Error("setAmax: a learnable amax is per-tensor, got " + std::to_string(amax.numel()) + " values");
  }
  const at::Tensor value = amax.detach().to(at::kFloat);
  // pytorch-quantization raises on a negative amax; NaN / Inf would silently zero or pass a layer.
  const at::Tensor onCpu = value.to(at::kCPU);
  if (onCpu.numel() > 0 && (!at::isfinite(onCpu).all().item<bool>() || (onCpu < 0).any().item<bool>())) {
    throw Error(fmt::format("amax must be finite and >= 0, got min {} max {}", onCpu.min().item<double>(),
                            onCpu.max().item<double>()));
  }
  torch::NoGradGuard noGrad;  // writing a learnable amax (a leaf parameter) in place
  if (amax_.defined()) {
    // Overwrite in place, so that the registered `_amax` (and any optimizer holding it) stays the same
    // tensor; a new shape swaps its data (libtorch cannot re-register a name).
    if (amax_.sizes() == value.sizes()) {
      amax_.copy_(value);
    } else {
      amax_.set_data(value.to(amax_.device()).clone());
    }
    return;
  }
  amax_ = desc_.learnAmax ? register_parameter("_amax", value.clone(), /*requires_grad=*/true)
                          : register_buffer("_amax", value.clone());
}

at::Tensor TensorQuantizerImpl::loadCalibratedAmax(const AmaxOptions& options) {
  if (!calibrator_)
    throw Error("loadCalibratedAmax: the quantizer has not collected statistics (enableCalibration)");
  setAmax(calibrator_->computeAmax(options));
  return amax_;
}

void keepLearnableAmaxPositive(torch::nn::Module& model) {
  torch::NoGradGuard noGrad;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    auto* q = dynamic_cast<TensorQuantizerImpl*>(m.get());
    if (q && q->descriptor().learnAmax && q->hasAmax()) {
      at::Tensor a = q->amax();
      a.nan_to_num_(kMinLearnableAmax).clamp_min_(kMinLearnableAmax);
    }
  }
}

void TensorQuantizerImpl::pretty_print(std::ostream& stream) const {
  std::string text = fmt::format("TensorQuantizer({}bit", desc_.numBits);
  text += desc_.axis ? fmt::format(" per-channel(axis {})", *desc_.axis) : " per-tensor";
  if (desc_.isUnsigned) text += " unsigned";
  if (desc_.narrowRange) text += " narrow";
  if (desc_.learnAmax) text += " learn_amax";
  if (!amax_.defined()) {
    text += " amax=none";
  } else if (amax_.numel() == 1) {
    text += fmt::format(" amax={:.4f}", amax_.item<double>());
  } else if (amax_.numel() > 0) {
    // Per channel: the range and the channel count, as pytorch-quantization prints it.
    text += fmt::format(" amax=[{:.4f}, {:.4f}]({})", amax_.min().item<double>(), amax_.max().item<double>(),
                        amax_.numel());
  }
  switch (state_) {
    case QuantizerState::Disabled:
      text += " disabled";
      break;
    case QuantizerState::Calibrating:
      text += " calibrating";
      break;
    case QuantizerState::Quantizing:
      text += " quantizing";
      break;
  }
  stream << text << ")";
}

}  // namespace cpq
