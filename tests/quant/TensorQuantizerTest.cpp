#include "quant/TensorQuantizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "core/Error.h"
#include "quant/FakeQuantize.h"
#include "quant/HistogramCalibrator.h"

namespace cpq {
namespace {

AmaxOptions maxOptions() {
  AmaxOptions o;
  o.method = AmaxMethod::Max;
  return o;
}

std::string printed(const TensorQuantizer& q) {
  std::ostringstream os;
  q->pretty_print(os);
  return os.str();
}

TEST(TensorQuantizer, DisabledIsTheIdentity) {
  TensorQuantizer q(QuantDescriptor::activation(CalibrationMethod::Max));
  EXPECT_EQ(q->state(), QuantizerState::Disabled);
  const at::Tensor x = at::randn({2, 3});
  EXPECT_TRUE(q->forward(x).is_same(x));
  EXPECT_FALSE(q->hasAmax());
  EXPECT_EQ(q->named_buffers().size(), 0u);
}

TEST(TensorQuantizer, CalibratingPassesXThroughAndCollects) {
  TensorQuantizer q(QuantDescriptor::activation(CalibrationMethod::Histogram));
  q->enableCalibration();
  ASSERT_NE(q->calibrator(), nullptr);
  const at::Tensor x = at::tensor({0.5f, -2.0f, 1.0f});
  const at::Tensor y = q->forward(x);
  EXPECT_TRUE(y.is_same(x));
  EXPECT_TRUE(at::equal(x, at::tensor({0.5f, -2.0f, 1.0f})));
  EXPECT_EQ(q->calibrator()->stats().batches, 1);
  q->calibrator()->flush();
  const at::Tensor amax = q->loadCalibratedAmax(maxOptions());
  EXPECT_EQ(amax.item<float>(), 2.0f);
  EXPECT_EQ(q->amax().dim(), 0);
}

TEST(TensorQuantizer, QuantizingUsesAmax) {
  TensorQuantizer q(QuantDescriptor::activation(CalibrationMethod::Max));
  EXPECT_THROW(q->enableQuantization(), Error);  // no amax yet
  q->setAmax(at::scalar_tensor(2.0));
  q->enableQuantization();
  const at::Tensor x = at::tensor({1.0f, -3.0f, 0.01f});
  // scale 63.5: 1 -> 64 / 63.5, -3 -> -128 / 63.5 (activations keep -128), 0.01 -> 1 / 63.5.
  EXPECT_TRUE(at::equal(q->forward(x), at::tensor({64.0f / 63.5f, -128.0f / 63.5f, 1.0f / 63.5f})));
  q->disable();
  EXPECT_TRUE(q->forward(x).is_same(x));
}

TEST(TensorQuantizer, AmaxIsTheRegisteredBuffer) {
  TensorQuantizer q(QuantDescriptor::weight(0));
  q->setAmax(at::tensor({1.0, 2.0}).view({2, 1}));  // double in, float32 stored
  ASSERT_EQ(q->named_buffers().size(), 1u);
  ASSERT_TRUE(q->named_buffers().contains("_amax"));
  EXPECT_EQ(q->named_parameters().size(), 0u);
  const at::Tensor buffer = q->named_buffers()["_amax"];
  EXPECT_EQ(buffer.scalar_type(), at::kFloat);
  EXPECT_TRUE(buffer.is_same(q->amax()));
  // Same shape: written in place; the caller's tensor is copied, not aliased.
  at::Tensor source = at::tensor({3.0f, 4.0f}).view({2, 1});
  q->setAmax(source);
  source.fill_(0);
  EXPECT_TRUE(q->named_buffers()["_amax"].is_same(buffer));
  EXPECT_TRUE(at::equal(buffer.flatten(), at::tensor({3.0f, 4.0f})));
  // New shape: still the one registered `_amax`, now with that shape.
  q->setAmax(at::tensor({5.0f, 6.0f, 7.0f}).view({3, 1, 1, 1}));
  EXPECT_EQ(q->named_buffers()["_amax"].sizes(), (std::vector<int64_t>{3, 1, 1, 1}));
  EXPECT_TRUE(at::equal(q->amax().flatten(), at::tensor({5.0f, 6.0f, 7.0f})));
}

TEST(TensorQuantizer, PerChannelWeightFlow) {
  TensorQuantizer q(QuantDescriptor::weight(0));
  at::Tensor w = at::zeros({2, 1, 1, 2});
  w[0][0][0][0] = 0.5f;
  w[0][0][0][1] = -0.25f;
  w[1][0][0][0] = 3.0f;
  w[1][0][0][1] = -6.0f;
  q->enableCalibration();
  q->forward(w);
  q->loadCalibratedAmax(maxOptions());
  EXPECT_EQ(q->amax().sizes(), (std::vector<int64_t>{2, 1, 1, 1}));
  q->enableQuantization();
  const at::Tensor expected = fakeQuantize(w, at::tensor({0.5f, 6.0f}).view({2, 1, 1, 1}), 8, false, true);
  EXPECT_TRUE(at::equal(q->forward(w), expected));
  EXPECT_EQ(printed(q),
            "TensorQuantizer(8bit per-channel(axis 0) narrow amax=[0.5000, 6.0000](2) quantizing)");
}

TEST(TensorQuantizer, LoadWithoutCalibrationIsAnError) {
  TensorQuantizer q(QuantDescriptor::activation(CalibrationMethod::Histogram));
  EXPECT_THROW(q->loadCalibratedAmax(AmaxOptions{}), Error);
  q->enableCalibration();
  EXPECT_THROW(q->loadCalibratedAmax(AmaxOptions{}), Error);  // nothing collected
}

TEST(TensorQuantizer, LearnableAmaxIsAParameterWithPactGradient) {
  QuantDescriptor desc = QuantDescriptor::activation(CalibrationMethod::Max);
  desc.learnAmax = true;
  TensorQuantizer q(desc);
  q->setAmax(at::scalar_tensor(1.0f));
  ASSERT_TRUE(q->named_parameters().contains("_amax"));
  EXPECT_TRUE(q->amax().requires_grad());
  q->enableQuantization();
  const at::Tensor x = at::tensor({-2.0f, 0.5f, 3.0f}).set_requires_grad(true);
  q->forward(x).sum().backward();
  EXPECT_EQ(q->amax().grad().item<float>(), 0.0f);  // +1 (3 > amax) - 1 (-2 < -amax)
  EXPECT_TRUE(at::equal(x.grad(), at::tensor({0.0f, 1.0f, 0.0f})));
  // Overwriting keeps the same parameter (an optimizer holding it stays valid).
  const at::Tensor param = q->amax();
  q->setAmax(at::scalar_tensor(2.0f));
  EXPECT_TRUE(q->named_parameters()["_amax"].is_same(param));
  EXPECT_EQ(param.item<float>(), 2.0f);
  EXPECT_THROW(q->setAmax(at::ones({2})), Error);
  EXPECT_EQ(printed(q), "TensorQuantizer(8bit per-tensor learn_amax amax=2.0000 quantizing)");

  QuantDescriptor perAxis = QuantDescriptor::weight(0);
  perAxis.learnAmax = true;
  EXPECT_THROW(TensorQuantizer{perAxis}, Error);
}

TEST(TensorQuantizer, PrettyPrintBeforeCalibration) {
  TensorQuantizer q(QuantDescriptor::activation(CalibrationMethod::Histogram));
  EXPECT_EQ(printed(q), "TensorQuantizer(8bit per-tensor amax=none disabled)");
}

// Wherever amax enters, a negative, NaN or Inf value is refused (pytorch-quantization raises on negative
// amax; NaN would have zeroed a layer silently) and the old amax stays.
TEST(TensorQuantizer, SetAmaxRefusesNegativeNanAndInf) {
  TensorQuantizer q(QuantDescriptor::activation(CalibrationMethod::Max));
  q->setAmax(at::scalar_tensor(2.0, at::kFloat));
  for (double bad : {-1.0, std::nan(""), std::numeric_limits<double>::infinity()}) {
    EXPECT_THROW(q->setAmax(at::scalar_tensor(bad, at::kFloat)), Error) << bad;
    EXPECT_EQ(q->amax().item<float>(), 2.0f);
  }
  TensorQuantizer w(QuantDescriptor::weight(0));
  EXPECT_THROW(w->setAmax(at::tensor({1.0f, -0.5f})), Error);
  EXPECT_NO_THROW(w->setAmax(at::tensor({1.0f, 0.0f})));  // a dead channel is a valid amax
}

// A learnable amax pushed below zero (or to NaN) by a step is put back to the floor, never dead.
TEST(TensorQuantizer, LearnableAmaxIsKeptPositive) {
  QuantDescriptor d = QuantDescriptor::activation(CalibrationMethod::Max);
  d.learnAmax = true;
  TensorQuantizer q(d);
  q->setAmax(at::scalar_tensor(0.5, at::kFloat));
  {
    torch::NoGradGuard g;
    q->amax().fill_(-3.0);
  }
  keepLearnableAmaxPositive(*q);
  EXPECT_EQ(q->amax().item<double>(), static_cast<double>(static_cast<float>(kMinLearnableAmax)));
  {
    torch::NoGradGuard g;
    q->amax().fill_(std::nan(""));
  }
  keepLearnableAmaxPositive(*q);
  EXPECT_GT(q->amax().item<double>(), kDeadAmax);
  {
    torch::NoGradGuard g;
    q->amax().fill_(0.75);
  }
  keepLearnableAmaxPositive(*q);
  EXPECT_EQ(q->amax().item<float>(), 0.75f);  // a healthy value is untouched
}

}  // namespace
}  // namespace cpq
