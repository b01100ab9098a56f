#include "model/BatchNormFolding.h"

#include <stdexcept>

namespace cpq {

namespace {

template <typename BN>
BatchNormParams paramsOf(const BN& bn) {
  if (!bn.options.track_running_stats() || !bn.options.affine()) {
    throw std::logic_error("BatchNorm folding needs running statistics and an affine transform");
  }
  return {bn.running_mean.detach(), bn.running_var.detach(), bn.weight.detach(), bn.bias.detach(),
          bn.options.eps()};
}

// Scales the weight along outDim and folds the bias; outDim is where the output channels of the layer live.
FoldedLayer fold(const at::Tensor& weight, const std::optional<at::Tensor>& bias, const BatchNormParams& bn,
                 int64_t outDim) {
  const BatchNormAffine a = batchNormAffine(bn);
  const int64_t outChannels = weight.size(outDim);
  if (a.scale.numel() != outChannels) {
    throw std::logic_error("BatchNorm folding: " + std::to_string(a.scale.numel()) +
                           " BN channels for a layer with " + std::to_string(outChannels) + " outputs");
  }
  std::vector<int64_t> shape(static_cast<size_t>(weight.dim()), 1);
  shape[static_cast<size_t>(outDim)] = outChannels;
  const at::Tensor w = weight.detach().to(at::kDouble) * a.scale.view(shape);
  const at::Tensor b0 = bias ? bias->detach().to(at::kDouble) : at::zeros({outChannels}, at::kDouble);
  const at::Tensor b = b0 * a.scale + a.shift;
  return {w.to(at::kFloat).contiguous(), b.to(at::kFloat).contiguous()};
}

}  // namespace

BatchNormParams batchNormParams(const torch::nn::BatchNorm1dImpl& bn) { return paramsOf(bn); }
BatchNormParams batchNormParams(const torch::nn::BatchNorm2dImpl& bn) { return paramsOf(bn); }

BatchNormAffine batchNormAffine(const BatchNormParams& bn) {
  const at::Tensor scale = bn.weight.to(at::kDouble) / at::sqrt(bn.runningVar.to(at::kDouble) + bn.eps);
  const at::Tensor shift = bn.bias.to(at::kDouble) - bn.runningMean.to(at::kDouble) * scale;
  return {scale, shift};
}

FoldedLayer foldBatchNormIntoConv(const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                                  const BatchNormParams& bn) {
  return fold(weight, bias, bn, 0);
}

FoldedLayer foldBatchNormIntoConvTranspose(const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                                           const BatchNormParams& bn) {
  return fold(weight, bias, bn, 1);
}

FoldedLayer foldBatchNormIntoLinear(const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                                    const BatchNormParams& bn) {
  if (weight.dim() != 2) throw std::logic_error("BatchNorm folding: a Linear weight must be [out, in]");
  return fold(weight, bias, bn, 0);
}

}  // namespace cpq
