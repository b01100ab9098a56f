#pragma once
// mmdet3d's SECONDFPN neck: deblocks[i] = Sequential(up, BN, ReLU), outputs concatenated on channels.
// up is ConvTranspose2d(k = s, stride = s) for s > 1, Conv2d(k = 1/s, stride = 1/s) for s < 1, and for s = 1
// ConvTranspose2d(k = 1) unless use_conv_for_no_stride (AWML sets it), then Conv2d(k = 1). No biases.
#include <torch/nn.h>

#include "config/CenterPointConfig.h"

namespace cpq {

class SECONDFPNImpl : public torch::nn::Module {
 public:
  explicit SECONDFPNImpl(const NeckConfig& cfg);
  at::Tensor forward(const std::vector<at::Tensor>& features);

  torch::nn::ModuleList deblocks{nullptr};
};
TORCH_MODULE(SECONDFPN);

}  // namespace cpq
