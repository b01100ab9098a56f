#pragma once
// mmdet3d's CenterHead: shared_conv (ConvModule: `.conv`, `.bn`, ReLU) then one SeparateHead per task with
// branches, in this order, reg, height, dim, rot, vel, heatmap; each branch is Sequential(ConvModule x
// (num_conv - 1), Conv2d(head_conv -> C, bias)).
#include <torch/nn.h>

#include "config/CenterPointConfig.h"
#include "model/TaskOutputs.h"
#include "quant/QuantLayers.h"

namespace cpq {

// mmcv's ConvModule with a BN and a ReLU: children `conv` and `bn` (the ReLU is functional; ReLU fusion
// moves it into the conv).
class ConvModuleImpl : public torch::nn::Module {
 public:
  ConvModuleImpl(int in, int out, int kernel, float eps, float momentum);
  at::Tensor forward(const at::Tensor& x);

  QuantConv2d conv{nullptr};
  FoldableBatchNorm2d bn{nullptr};
};
TORCH_MODULE(ConvModule);

class SeparateHeadImpl : public torch::nn::Module {
 public:
  SeparateHeadImpl(const HeadConfig& cfg, int numClasses);
  TaskOutputs forward(const at::Tensor& x);

 private:
  std::vector<torch::nn::Sequential> branches_;  // reg, height, dim, rot, vel, heatmap
};
TORCH_MODULE(SeparateHead);

class CenterHeadImpl : public torch::nn::Module {
 public:
  explicit CenterHeadImpl(const HeadConfig& cfg);
  HeadOutputs forward(const at::Tensor& x);

  ConvModule shared_conv{nullptr};
  torch::nn::ModuleList task_heads{nullptr};
};
TORCH_MODULE(CenterHead);

}  // namespace cpq
