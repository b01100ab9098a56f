#pragma once
// Folding an inference-mode BatchNorm into the linear layer before it: y = gamma * (Wx + b - mean) / sigma +
// beta becomes W'x + b' with W' = W * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var + eps) per output
// channel. The ONNX export uses it for every conv/BN and Linear/BN pair; quantization-time BN fusion reuses it.
#include <ATen/ATen.h>
#include <torch/nn.h>

#include <optional>

namespace cpq {

// The four statistics and eps of a BatchNorm (1d and 2d store the same things).
struct BatchNormParams {
  at::Tensor runningMean, runningVar, weight, bias;
  double eps;
};
BatchNormParams batchNormParams(const torch::nn::BatchNorm1dImpl& bn);
BatchNormParams batchNormParams(const torch::nn::BatchNorm2dImpl& bn);

// Per output channel: scale = gamma / sqrt(var + eps), shift = beta - mean * scale (float64 for accuracy).
struct BatchNormAffine {
  at::Tensor scale, shift;
};
BatchNormAffine batchNormAffine(const BatchNormParams& bn);

// A weight and bias with the BN applied, float32, contiguous, detached.
struct FoldedLayer {
  at::Tensor weight, bias;
};

// Conv2d weight [out, in, kh, kw] (and Linear [out, in]): the output channel is dim 0.
FoldedLayer foldBatchNormIntoConv(const at::Tensor& weight, const std::optional<at::Tensor>& bias, const BatchNormParams& bn);
// ConvTranspose2d weight [in, out, kh, kw]: the output channel is dim 1.
FoldedLayer foldBatchNormIntoConvTranspose(const at::Tensor& weight, const std::optional<at::Tensor>& bias,
                                           const BatchNormParams& bn);
// Linear weight [out, in] followed by a BatchNorm1d over its outputs.
FoldedLayer foldBatchNormIntoLinear(const at::Tensor& weight, const std::optional<at::Tensor>& bias, const BatchNormParams& bn);

}  // namespace cpq
