#include "quant/FakeQuantize.h"

#include <torch/autograd.h>

#include <cmath>
#include <string>

#include "core/Error.h"

namespace cpq {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Forward without autograd, in the reference's float32 arithmetic: scale = bound / amax (a true float32
// division, not a reciprocal multiply, so ties round exactly as pytorch-quantization's), q = clamp(
// round_half_even(x * scale)), y = q / scale. A dead amax multiplies by 0 instead, so q = 0 and y = 0
// without a full-size mask: only the tiny scale tensors are special-cased, the big tensor sees 4 kernels.
// CUDA runs the same kernels (torch's fused fake_quantize_per_tensor_affine rounds x * (1 / s) instead of
// x * (127 / amax), which differs from pytorch-quantization at ties, so it is not used).
at::Tensor fakeQuantForward(const at::Tensor& x, const at::Tensor& amax, const QuantRange& range) {
  const bool isFloat = x.scalar_type() == at::kFloat;
  const at::Tensor xf = isFloat ? x : x.to(at::kFloat);  // half inputs are computed in float32
  const at::Tensor a = amax.to(xf.device(), at::kFloat);
  // A CPU 0-dim tensor is passed to device kernels as an argument, so this is one kernel on the device.
  const at::Tensor scale = at::div(at::scalar_tensor(range.maxBound, at::kFloat), a);
  const at::Tensor mulScale = at::where(a > kDeadAmax, scale, 0.0);
  at::Tensor y = at::mul(xf, mulScale);
  y.round_();  // half to even
  y.clamp_(at::Scalar(range.minBound), at::Scalar(range.maxBound));
  // Dead channels have q = 0 and scale = +inf or huge, so q / scale stays 0.
  y.div_(scale);
  return isFloat ? y : y.to(x.scalar_type());
}

void checkBits(int numBits) {
  if (numBits < 2 || numBits > 16) {
    throw Error("fake quantization supports 2 to 16 bits, got " + std::to_string(numBits));
  }
}

// Straight-through estimator: the gradient passes where |x| <= amax (inclusive), amax gets none.
struct FakeQuantFunction : public torch::autograd::Function<FakeQuantFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& amax,
                            double minBound, double maxBound) {
    // Saving x instead of a mask keeps the forward at its 4 kernels; the mask is rebuilt in backward.
    ctx->save_for_backward({x, amax});
    return fakeQuantForward(x, amax, QuantRange{minBound, maxBound});
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor a = saved[1].to(x.device());  // compared in the promoted (float32) type
    const at::Tensor gradX = at::where(x.abs() <= a, gradOutputs[0], 0.0);
    return {gradX, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

// PACT: x is clipped to [-amax, amax] before quantization, and amax receives the upstream gradient of
// the elements it clips (+ above amax, - below -amax). Inside, the gradient goes to x as with the STE.
struct LearnableFakeQuantFunction : public torch::autograd::Function<LearnableFakeQuantFunction> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& amax,
                            double minBound, double maxBound, bool isUnsigned) {
    ctx->save_for_backward({x, amax});
    ctx->saved_data["unsigned"] = isUnsigned;
    return fakeQuantForward(x, amax, QuantRange{minBound, maxBound});
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& amax = saved[1];
    const bool isUnsigned = ctx->saved_data["unsigned"].toBool();
    const at::Tensor& g = gradOutputs[0];
    const at::Tensor a = amax.to(x.device());
    const at::Tensor gradX = at::where(x.abs() <= a, g, 0.0);
    // Accumulate in float32 even for half gradients: a sum over a whole activation.
    at::Tensor gradAmax = at::where(x > a, g, 0.0).sum(at::kFloat);
    // Unsigned outputs below zero are 0 whatever amax is, so only the upper clip depends on amax.
    if (!isUnsigned) gradAmax = gradAmax - at::where(x < -a, g, 0.0).sum(at::kFloat);
    gradAmax = gradAmax.reshape(amax.sizes()).to(amax.device(), amax.scalar_type());
    return {gradX, gradAmax, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

bool needsGrad(const at::Tensor& x, const at::Tensor& amax) {
  return at::GradMode::is_enabled() && (x.requires_grad() || amax.requires_grad());
}

}  // namespace

QuantRange quantRange(int numBits, bool isUnsigned, bool narrowRange) {
  checkBits(numBits);
  if (isUnsigned) return {0.0, std::ldexp(1.0, numBits) - 1.0};
  const double bound = std::ldexp(1.0, numBits - 1) - 1.0;
  return {narrowRange ? -bound : -bound - 1.0, bound};
}

at::Tensor fakeQuantize(const at::Tensor& x, const at::Tensor& amax, int numBits, bool isUnsigned,
                        bool narrowRange) {
  const QuantRange range = quantRange(numBits, isUnsigned, narrowRange);
  // Inference and calibration skip the autograd node entirely.
  if (!needsGrad(x, amax)) return fakeQuantForward(x, amax, range);
  return FakeQuantFunction::apply(x, amax, range.minBound, range.maxBound);
}

at::Tensor fakeQuantizeLearnable(const at::Tensor& x, const at::Tensor& amax, int numBits, bool isUnsigned,
                                 bool narrowRange) {
  if (amax.numel() != 1) {
    throw Error("learnable amax is per-tensor only, got amax of " + std::to_string(amax.numel()) +
                " elements");
  }
  QuantRange range = quantRange(numBits, isUnsigned, narrowRange);
  // Clipping to [-amax, amax] first, then quantizing, equals quantizing with the lower bound raised to
  // -maxBound (|x * scale| <= maxBound after the clip); so the clip costs no extra kernel.
  if (!isUnsigned) range.minBound = -range.maxBound;
  if (!needsGrad(x, amax)) return fakeQuantForward(x, amax, range);
  return LearnableFakeQuantFunction::apply(x, amax, range.minBound, range.maxBound, isUnsigned);
}

}  // namespace cpq
