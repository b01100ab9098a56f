#pragma once
// Fake quantization with pytorch-quantization's exact numerics (docs/quantization.md, 'Fake quantization').
#include <ATen/ATen.h>

namespace cpq {

// An amax at or below 2^-24 (the smallest FP16 subnormal, pytorch-quantization's epsilon) is dead: the
// tensor or channel was all zeros. Fake quantization outputs 0 there (as pytorch-quantization); a layer
// whose INPUT amax is dead stays float everywhere (quant/QuantInsertion's enableOwnerQuantization), so
// the fake-quant model, the CUDA path and the Q/DQ export agree (docs/quantization.md, "Dead amax").
constexpr double kDeadAmax = 1.0 / 16777216.0;
// A learnable amax is kept at or above this after every optimizer step (2^-14, the smallest FP16 normal):
// positive, and far from the dead threshold.
constexpr double kMinLearnableAmax = 1.0 / 16384.0;

// Integer range of a quantizer: signed [-2^(b-1), 2^(b-1)-1] or [-(2^(b-1)-1), ...] with narrow range;
// unsigned [0, 2^b - 1].
struct QuantRange {
  double minBound, maxBound;
};
QuantRange quantRange(int numBits, bool isUnsigned, bool narrowRange);

// y = clamp(round_half_even(x * bound / amax), minBound, maxBound) * amax / bound, amax broadcast against
// x (per-tensor [] or keepdim per-channel); where amax <= kDeadAmax the output is 0. The same float32
// arithmetic on the CPU and on CUDA (element-wise IEEE multiply, divide and round-half-even), so both give
// the same bits. Gradient to x by the
// straight-through estimator: grad where |x| <= amax (inclusive), else 0; no gradient to amax.
at::Tensor fakeQuantize(const at::Tensor& x, const at::Tensor& amax, int numBits, bool isUnsigned,
                        bool narrowRange);

// PACT-style learnable amax (per-tensor): as fakeQuantize, plus d/d amax = sum of the upstream gradient
// of elements clipped at +amax minus that at -amax (docs/quantization.md, 'Fake quantization': learn_amax).
at::Tensor fakeQuantizeLearnable(const at::Tensor& x, const at::Tensor& amax, int numBits, bool isUnsigned,
                                 bool narrowRange);

}  // namespace cpq
