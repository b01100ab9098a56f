#include <gtest/gtest.h>

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include "CheckpointTestUtil.h"
#include "checkpoint/ModuleStateDict.h"
#include "core/Error.h"

namespace cpq {
namespace {

using test::expectErrorContaining;

// Registers, in this order: a parameter, a buffer, then children; Python's state_dict lists a module's
// parameters, then its buffers, then its children.
struct Net : torch::nn::Module {
  Net() {
    scale = register_parameter("scale", at::ones({2}));
    steps = register_buffer("steps", at::zeros({1}, at::kLong));
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3).bias(false)));
    bn = register_module("bn", torch::nn::BatchNorm2d(3));
    head = register_module("head", torch::nn::Sequential(torch::nn::Linear(3, 2)));
  }
  at::Tensor scale, steps;
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
  torch::nn::Sequential head{nullptr};
};

TEST(ModuleStateDict, NamesAndOrderFollowPython) {
  Net net;
  const StateDict sd = stateDictOf(net);
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"scale", "steps", "conv.weight", "bn.weight", "bn.bias",
                                                 "bn.running_mean", "bn.running_var",
                                                 "bn.num_batches_tracked", "head.0.weight", "head.0.bias"}));
  // The tensors alias the module's.
  EXPECT_TRUE(sd.find("conv.weight")->is_same(net.conv->weight));
}

TEST(ModuleStateDict, LoadCopiesValuesAndConvertsDtype) {
  Net source, target;
  {
    at::NoGradGuard g;
    for (auto& p : source.parameters()) p.uniform_(-1, 1);
    source.bn->running_mean.fill_(0.25);
    source.bn->num_batches_tracked.fill_(99);
  }
  const StateDict sourceState = stateDictOf(source);
  StateDict sd;
  for (const auto& [name, t] : sourceState.items()) {
    sd.insert(name, t.is_floating_point() ? t.to(at::kDouble) : t.clone());  // dtype differs from the model's
  }
  loadStateDict(target, sd, "src.pth");
  const StateDict targetState = stateDictOf(target);
  for (const auto& [name, t] : targetState.items()) {
    const at::Tensor& want = *sourceState.find(name);
    EXPECT_EQ(t.scalar_type(), want.scalar_type()) << name;
    EXPECT_TRUE(at::equal(t, want)) << name;
  }
  EXPECT_TRUE(target.conv->weight.requires_grad());
}

TEST(ModuleStateDict, MismatchListsEveryProblemAndLeavesTheModelAlone) {
  Net net;
  const at::Tensor before = net.conv->weight.clone();
  StateDict sd = stateDictOf(Net());
  StateDict bad;
  for (const auto& [name, t] : sd.items()) {
    if (name == "bn.bias" || name == "head.0.bias") continue;  // missing
    if (name == "conv.weight") {
      bad.insert(name, at::zeros({3, 2, 3, 4}));  // wrong shape
    } else if (name == "scale") {
      bad.insert(name, at::zeros({3}));
    } else {
      bad.insert(name, t.clone().fill_(7));
    }
  }
  bad.insert("extra.weight", at::zeros({1}));
  bad.insert("conv._input_quantizer._amax", at::ones({}));
  try {
    loadStateDict(net, bad, "model.ckpt");
    FAIL() << "no error";
  } catch (const cpq::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "model.ckpt: checkpoint does not fit the model:\n"
              "  missing: bn.bias\n"
              "  missing: head.0.bias\n"
              "  unexpected: extra.weight\n"
              "  unexpected: conv._input_quantizer._amax\n"
              "  shape mismatch: scale checkpoint [3] vs model [2]\n"
              "  shape mismatch: conv.weight checkpoint [3,2,3,4] vs model [3,2,3,3]");
  }
  EXPECT_TRUE(at::equal(net.conv->weight, before));
  EXPECT_NE(net.bn->running_var[0].item<float>(), 7.f);
}

TEST(StateDict, InsertReplacesInPlace) {
  StateDict sd;
  sd.insert("a", at::ones({1}));
  sd.insert("b", at::ones({2}));
  sd.insert("a", at::ones({3}));
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(sd.find("a")->numel(), 3);
  EXPECT_EQ(sd.find("c"), nullptr);
  EXPECT_EQ(sd.size(), 2u);
  EXPECT_EQ(shapeString(at::IntArrayRef{}), "[]");
  EXPECT_EQ(shapeString(at::IntArrayRef{16, 10}), "[16,10]");
}

}  // namespace
}  // namespace cpq
