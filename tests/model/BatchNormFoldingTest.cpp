// BN folding against the unfolded libtorch modules (eval mode) on random inputs.
#include <gtest/gtest.h>
#include <torch/nn.h>
#include <torch/utils.h>

#include "model/BatchNormFolding.h"

namespace cpq {
namespace {

// Non-trivial running statistics and affine parameters, as a trained model has.
template <typename BN>
void randomise(BN& bn) {
  torch::NoGradGuard noGrad;
  bn->running_mean.copy_(at::randn_like(bn->running_mean) * 0.5);
  bn->running_var.copy_(at::rand_like(bn->running_var) * 2.0 + 0.05);
  bn->weight.copy_(at::randn_like(bn->weight));
  bn->bias.copy_(at::randn_like(bn->bias));
  bn->eval();
}

double maxRelError(const at::Tensor& got, const at::Tensor& want) {
  return ((got - want).abs().max() / want.abs().max()).item<double>();
}

TEST(BatchNormFolding, ConvWithoutBiasMatchesConvThenBn) {
  torch::manual_seed(1);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(6, 8, 3).stride(2).padding(1).bias(false));
  torch::nn::BatchNorm2d bn(torch::nn::BatchNormOptions(8).eps(1e-3));
  randomise(bn);
  const at::Tensor x = at::randn({2, 6, 9, 11});
  torch::NoGradGuard noGrad;
  const at::Tensor want = bn->forward(conv->forward(x));
  const FoldedLayer f = foldBatchNormIntoConv(conv->weight, std::nullopt, batchNormParams(*bn));
  EXPECT_EQ(f.weight.sizes(), conv->weight.sizes());
  EXPECT_EQ(f.bias.sizes(), at::IntArrayRef({8}));
  const at::Tensor got = at::conv2d(x, f.weight, f.bias, {2, 2}, {1, 1});
  EXPECT_LT(maxRelError(got, want), 1e-5);
}

TEST(BatchNormFolding, ConvWithBiasFoldsTheBiasToo) {
  torch::manual_seed(2);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(4, 5, 1).bias(true));
  torch::NoGradGuard noGrad;
  conv->bias.copy_(at::randn({5}));
  torch::nn::BatchNorm2d bn(torch::nn::BatchNormOptions(5).eps(1e-5));
  randomise(bn);
  const at::Tensor x = at::randn({1, 4, 7, 7});
  const at::Tensor want = bn->forward(conv->forward(x));
  const FoldedLayer f = foldBatchNormIntoConv(conv->weight, conv->bias, batchNormParams(*bn));
  EXPECT_LT(maxRelError(at::conv2d(x, f.weight, f.bias), want), 1e-5);
}

TEST(BatchNormFolding, ConvTransposeScalesDimOne) {
  torch::manual_seed(3);
  // in != out so that scaling the wrong dim cannot pass by accident.
  torch::nn::ConvTranspose2d deconv(torch::nn::ConvTranspose2dOptions(6, 4, 2).stride(2).bias(false));
  torch::nn::BatchNorm2d bn(torch::nn::BatchNormOptions(4).eps(1e-3));
  randomise(bn);
  const at::Tensor x = at::randn({2, 6, 5, 6});
  torch::NoGradGuard noGrad;
  const at::Tensor want = bn->forward(deconv->forward(x));
  const FoldedLayer f = foldBatchNormIntoConvTranspose(deconv->weight, std::nullopt, batchNormParams(*bn));
  EXPECT_EQ(f.weight.sizes(), deconv->weight.sizes());
  const at::Tensor got = at::conv_transpose2d(x, f.weight, f.bias, {2, 2});
  EXPECT_LT(maxRelError(got, want), 1e-5);
}

TEST(BatchNormFolding, LinearThenBn1dOverPointsMatches) {
  torch::manual_seed(4);
  torch::nn::Linear linear(torch::nn::LinearOptions(11, 16).bias(false));
  torch::nn::BatchNorm1d bn(torch::nn::BatchNormOptions(16).eps(1e-3));
  randomise(bn);
  at::Tensor x = at::randn({40, 32, 11});
  x.slice(1, 20).zero_();  // padded rows: the folded bias alone must reproduce BN's constant
  torch::NoGradGuard noGrad;
  const at::Tensor y = linear->forward(x);
  const at::Tensor want = bn->forward(y.reshape({-1, 16})).view(y.sizes());
  const FoldedLayer f = foldBatchNormIntoLinear(linear->weight, std::nullopt, batchNormParams(*bn));
  const at::Tensor got = at::matmul(x, f.weight.t()) + f.bias;
  EXPECT_LT(maxRelError(got, want), 1e-5);
}

TEST(BatchNormFolding, AffineIsScaleAndShift) {
  torch::nn::BatchNorm1d bn(torch::nn::BatchNormOptions(3).eps(0.0));
  torch::NoGradGuard noGrad;
  bn->running_mean.copy_(at::tensor({1.0f, 2.0f, 3.0f}));
  bn->running_var.copy_(at::tensor({4.0f, 1.0f, 0.25f}));
  bn->weight.copy_(at::tensor({2.0f, 3.0f, 1.0f}));
  bn->bias.copy_(at::tensor({0.5f, -1.0f, 0.0f}));
  const BatchNormAffine a = batchNormAffine(batchNormParams(*bn));
  EXPECT_TRUE(at::allclose(a.scale, at::tensor({1.0, 3.0, 2.0}, at::kDouble)));
  EXPECT_TRUE(at::allclose(a.shift, at::tensor({-0.5, -7.0, -6.0}, at::kDouble)));
}

}  // namespace
}  // namespace cpq
