#pragma once
// mmdet3d's SECOND backbone: blocks[i] = Sequential(Conv3x3(stride s_i), BN, ReLU, layer_nums[i] x
// [Conv3x3, BN, ReLU]), so convs sit at Sequential indices 0, 3, 6, ... and BNs at 1, 4, 7, ...
#include <torch/nn.h>

#include "config/CenterPointConfig.h"

namespace cpq {

class SECONDImpl : public torch::nn::Module {
 public:
  explicit SECONDImpl(const BackboneConfig& cfg);
  std::vector<at::Tensor> forward(const at::Tensor& x);  // one feature map per block

  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(SECOND);

// Conv(k, stride, no bias) -> BN -> ReLU appended to a Sequential (names "<i>", "<i+1>", "<i+2>").
void appendConvBnRelu(torch::nn::Sequential& seq, int in, int out, int kernel, int stride, int padding,
                      float eps, float momentum);

}  // namespace cpq
