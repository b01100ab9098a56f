#include "model/CenterHead.h"

namespace cpq {

ConvModuleImpl::ConvModuleImpl(int in, int out, int kernel, float eps, float momentum) {
  conv = register_module(
      "conv", QuantConv2d(torch::nn::Conv2dOptions(in, out, kernel).padding(kernel / 2).bias(false)));
  bn = register_module("bn", FoldableBatchNorm2d(torch::nn::BatchNormOptions(out).eps(eps).momentum(momentum)));
}

at::Tensor ConvModuleImpl::forward(const at::Tensor& x) {
  const at::Tensor y = bn->forward(conv->forward(x));
  return conv->fusedRelu() ? y : at::relu(y);
}

SeparateHeadImpl::SeparateHeadImpl(const HeadConfig& cfg, int numClasses) {
  std::vector<HeadBranch> branches = cfg.commonHeads;
  branches.push_back({"heatmap", numClasses, cfg.numHeatmapConvs});
  for (const auto& b : branches) {
    torch::nn::Sequential seq;
    int in = cfg.shareConvChannel;
    for (int i = 0; i + 1 < b.numConv; ++i) {
      seq->push_back(ConvModule(in, cfg.headConv, cfg.finalKernel, cfg.normEps, cfg.normMomentum));
      in = cfg.headConv;
    }
    auto final = QuantConv2d(
        torch::nn::Conv2dOptions(in, b.outChannels, cfg.finalKernel).padding(cfg.finalKernel / 2).bias(true));
    // From-scratch heatmap logits start at sigmoid(-4.595) ~ 0.01 (CenterNet's focal-loss prior).
    if (b.name == "heatmap") torch::nn::init::constant_(final->bias, cfg.initBias);
    seq->push_back(final);
    branches_.push_back(register_module(b.name, seq));
  }
}

TaskOutputs SeparateHeadImpl::forward(const at::Tensor& x) {
  TaskOutputs o;
  o.reg = branches_[0]->forward(x);
  o.height = branches_[1]->forward(x);
  o.dim = branches_[2]->forward(x);
  o.rot = branches_[3]->forward(x);
  o.vel = branches_[4]->forward(x);
  o.heatmap = branches_[5]->forward(x);
  return o;
}

CenterHeadImpl::CenterHeadImpl(const HeadConfig& cfg) {
  // The shared conv is 3x3 in mmdet3d regardless of final_kernel.
  shared_conv = register_module(
      "shared_conv", ConvModule(cfg.inChannels, cfg.shareConvChannel, 3, cfg.normEps, cfg.normMomentum));
  task_heads = register_module("task_heads", torch::nn::ModuleList());
  for (const auto& classes : cfg.tasks)
    task_heads->push_back(SeparateHead(cfg, static_cast<int>(classes.size())));
}

HeadOutputs CenterHeadImpl::forward(const at::Tensor& input) {
  const at::Tensor x = shared_conv->forward(input);
  HeadOutputs outs;
  for (const auto& head : *task_heads) outs.push_back(head->as<SeparateHead>()->forward(x));
  return outs;
}

}  // namespace cpq
