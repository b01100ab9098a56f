#pragma once
// Fake quantization with pytorch-quantization's exact numerics (docs/quantization.md, 'Fake quantization').
#include <ATen/ATen.h>

namespace cpq {

// Integer range of a quantizer: signed [-2^(b-1), 2^(b-1)-1] or [-(2^(b-1)-1), ...] with narrow range;
// unsigned [0, 2^b - 1].
struct QuantRange {
  double minBound, maxBound;
};
QuantRange quantRange(int numBits, bool isUnsigned, bool narrowRange);

// y = clamp(round_half_even(x * bound / amax), minBound, maxBound) * amax / bound, amax broadcast against
// x (per-tensor [] or keepdim per-channel); where amax <= 2^-24 the output is 0. Gradient to x by the
// straight-through estimator: grad where |x| <= amax (inclusive), else 0; no gradient to amax.
at::Tensor fakeQuantize(const at::Tensor& x, const at::Tensor& amax, int numBits, bool isUnsigned,
                        bool narrowRange);

// PACT-style learnable amax (per-tensor): as fakeQuantize, plus d/d amax = sum of the upstream gradient
// of elements clipped at +amax minus that at -amax (docs/quantization.md, 'Fake quantization': learn_amax).
at::Tensor fakeQuantizeLearnable(const at::Tensor& x, const at::Tensor& amax, int numBits, bool isUnsigned,
                                 bool narrowRange);

}  // namespace cpq
