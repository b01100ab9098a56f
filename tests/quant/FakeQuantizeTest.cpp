#include "quant/FakeQuantize.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "CalibrationFixtures.h"
#include "core/Error.h"

namespace cpq {
namespace {

using testing::calibrationGoldens;
using testing::jsonTensor;

// Exact equality, element by element, with a readable failure (-0 equals 0).
void expectSameValues(const at::Tensor& actual, const at::Tensor& expected) {
  ASSERT_EQ(actual.sizes(), expected.sizes());
  const at::Tensor a = actual.contiguous().to(at::kFloat), e = expected.contiguous().to(at::kFloat);
  for (int64_t i = 0; i < a.numel(); ++i) {
    EXPECT_EQ(a.data_ptr<float>()[i], e.data_ptr<float>()[i]) << "element " << i;
  }
}

TEST(FakeQuantize, Ranges) {
  const QuantRange act = quantRange(8, false, false), weight = quantRange(8, false, true),
                   uns = quantRange(8, true, false), four = quantRange(4, false, false);
  EXPECT_EQ(act.minBound, -128);
  EXPECT_EQ(act.maxBound, 127);
  EXPECT_EQ(weight.minBound, -127);
  EXPECT_EQ(weight.maxBound, 127);
  EXPECT_EQ(uns.minBound, 0);
  EXPECT_EQ(uns.maxBound, 255);
  EXPECT_EQ(four.minBound, -8);
  EXPECT_EQ(four.maxBound, 7);
  EXPECT_THROW(quantRange(1, false, false), Error);
  EXPECT_THROW(quantRange(17, false, false), Error);
}

TEST(FakeQuantize, ActivationTiesRoundHalfToEvenAndClampTo128) {
  const auto& fq = calibrationGoldens()["fake_quant"];
  const at::Tensor x = jsonTensor(fq["x"]);
  const at::Tensor amax = at::scalar_tensor(fq["amax"].get<float>());
  expectSameValues(fakeQuantize(x, amax, 8, false, false), jsonTensor(fq["activation_out"]));
}

TEST(FakeQuantize, WeightNarrowRangeClampsTo127) {
  const auto& fq = calibrationGoldens()["fake_quant"];
  const at::Tensor x = jsonTensor(fq["x"]);
  const at::Tensor amax = at::scalar_tensor(fq["amax"].get<float>());
  expectSameValues(fakeQuantize(x, amax, 8, false, true), jsonTensor(fq["weight_out_narrow"]));
}

TEST(FakeQuantize, PerChannelWithADeadChannelMatchesTheReferenceBitForBit) {
  const auto& fq = calibrationGoldens()["fake_quant"];
  std::vector<float> flat;
  for (const auto& row : fq["per_channel_W"]) {
    for (float v : row.get<std::vector<float>>()) flat.push_back(v);
  }
  const at::Tensor weight = at::tensor(flat).view({3, 4});
  std::vector<float> outFlat;
  for (const auto& row : fq["per_channel_out"]) {
    for (float v : row.get<std::vector<float>>()) outFlat.push_back(v);
  }
  const at::Tensor amax = jsonTensor(fq["per_channel_amax"]).view({3, 1});
  const at::Tensor out = fakeQuantize(weight, amax, 8, false, true);
  expectSameValues(out, at::tensor(outFlat).view({3, 4}));
}

TEST(FakeQuantize, DeadAmaxGivesZeros) {
  const at::Tensor x = at::tensor({-3.0f, -1e-9f, 0.0f, 2e-9f, 5.0f});
  for (float a : {0.0f, 1e-9f, static_cast<float>(1.0 / (1 << 24))}) {
    expectSameValues(fakeQuantize(x, at::scalar_tensor(a), 8, false, false), at::zeros({5}));
  }
  // Just above the threshold it quantizes: 1e-7 has scale 1.27e9.
  const at::Tensor alive = fakeQuantize(x, at::scalar_tensor(1e-7f), 8, false, false);
  EXPECT_GT(alive[4].item<float>(), 0.0f);
  // Per channel only the dead channel is zeroed.
  const at::Tensor w = at::tensor({1.0f, -2.0f, 3.0f, 4.0f}).view({2, 2});
  const at::Tensor out = fakeQuantize(w, at::tensor({0.0f, 127.0f}).view({2, 1}), 8, false, true);
  expectSameValues(out, at::tensor({0.0f, 0.0f, 3.0f, 4.0f}).view({2, 2}));
}

TEST(FakeQuantize, HandComputedScale) {
  // amax 2: scale 63.5; 1.0 -> 63.5 -> 64 (half to even) -> 64 / 63.5; -3 -> -190.5 -> clamp -128.
  const at::Tensor x = at::tensor({1.0f, -3.0f, 0.0f, 2.0f});
  const at::Tensor out = fakeQuantize(x, at::scalar_tensor(2.0f), 8, false, false);
  expectSameValues(out, at::tensor({64.0f / 63.5f, -128.0f / 63.5f, 0.0f, 127.0f / 63.5f}));
  // Unsigned: [0, 255], scale 127.5; negatives clamp to 0.
  const at::Tensor u = fakeQuantize(x, at::scalar_tensor(2.0f), 8, true, false);
  expectSameValues(u, at::tensor({128.0f / 127.5f, 0.0f, 0.0f, 255.0f / 127.5f}));
}

TEST(FakeQuantize, StraightThroughGradientIsInclusiveAtAmax) {
  const auto& fq = calibrationGoldens()["fake_quant"];
  const at::Tensor x = jsonTensor(fq["ste_x"]).set_requires_grad(true);
  const at::Tensor amax = at::scalar_tensor(fq["ste_amax"].get<float>()).set_requires_grad(true);
  const at::Tensor y = fakeQuantize(x, amax, 8, false, false);
  y.sum().backward();
  expectSameValues(x.grad(), jsonTensor(fq["ste_grad"]));
  EXPECT_FALSE(amax.grad().defined() &&
               amax.grad().abs().sum().item<float>() != 0.0f);  // no gradient to amax
}

TEST(FakeQuantize, GradientScalesWithUpstreamAndBroadcastsPerChannel) {
  const at::Tensor x = at::tensor({0.5f, 1.5f, -0.5f, -1.5f}).view({2, 2}).set_requires_grad(true);
  const at::Tensor amax = at::tensor({1.0f, 2.0f}).view({2, 1});
  const at::Tensor y = fakeQuantize(x, amax, 8, false, true);
  (y * at::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({2, 2})).sum().backward();
  expectSameValues(x.grad(), at::tensor({1.0f, 0.0f, 3.0f, 4.0f}).view({2, 2}));
}

TEST(FakeQuantize, NoGradModeGivesTheSameValues) {
  const at::Tensor x = at::randn({4, 8}, at::TensorOptions().requires_grad(true));
  const at::Tensor amax = at::scalar_tensor(1.5f);
  const at::Tensor withGrad = fakeQuantize(x, amax, 8, false, false);
  torch::NoGradGuard guard;
  expectSameValues(fakeQuantize(x, amax, 8, false, false), withGrad.detach());
}

TEST(FakeQuantize, LearnableAmaxGetsThePactGradient) {
  const at::Tensor x = at::tensor({-3.0f, -0.5f, 0.25f, 1.0f, 2.0f, 5.0f}).set_requires_grad(true);
  const at::Tensor amax = at::scalar_tensor(1.0f).set_requires_grad(true);
  const at::Tensor y = fakeQuantizeLearnable(x, amax, 8, false, false);
  // Clipped to [-amax, amax] first: -3 becomes -amax (-127), not -128/127.
  expectSameValues(y.detach(), at::tensor({-1.0f, -64.0f / 127.0f, 32.0f / 127.0f, 1.0f, 1.0f, 1.0f}));
  const at::Tensor upstream = at::tensor({1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f});
  (y * upstream).sum().backward();
  // x: inside |x| <= amax (1.0 included); amax: (5 + 6) above minus 1 below.
  expectSameValues(x.grad(), at::tensor({0.0f, 2.0f, 3.0f, 4.0f, 0.0f, 0.0f}));
  ASSERT_TRUE(amax.grad().defined());
  EXPECT_EQ(amax.grad().item<float>(), 10.0f);
  EXPECT_EQ(amax.grad().dim(), 0);
}

TEST(FakeQuantize, LearnableIsPerTensorOnly) {
  EXPECT_THROW(fakeQuantizeLearnable(at::ones({2, 2}), at::ones({2, 1}), 8, false, false), Error);
}

}  // namespace
}  // namespace cpq
