#include "model/SECOND.h"

#include "quant/QuantLayers.h"

namespace cpq {

void appendConvBnRelu(torch::nn::Sequential& seq, int in, int out, int kernel, int stride, int padding,
                      float eps, float momentum) {
  seq->push_back(
      QuantConv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)));
  seq->push_back(FoldableBatchNorm2d(torch::nn::BatchNormOptions(out).eps(eps).momentum(momentum)));
  seq->push_back(FusableReLU());
}

SECONDImpl::SECONDImpl(const BackboneConfig& cfg) {
  blocks = register_module("blocks", torch::nn::ModuleList());
  int in = cfg.inChannels;
  for (size_t i = 0; i < cfg.outChannels.size(); ++i) {
    torch::nn::Sequential block;
    const int out = cfg.outChannels[i];
    appendConvBnRelu(block, in, out, 3, cfg.layerStrides[i], 1, cfg.normEps, cfg.normMomentum);
    for (int j = 0; j < cfg.layerNums[i]; ++j)
      appendConvBnRelu(block, out, out, 3, 1, 1, cfg.normEps, cfg.normMomentum);
    blocks->push_back(block);
    in = out;
  }
}

std::vector<at::Tensor> SECONDImpl::forward(const at::Tensor& input) {
  std::vector<at::Tensor> outs;
  at::Tensor x = input;
  for (const auto& block : *blocks) {
    x = block->as<torch::nn::Sequential>()->forward(x);
    outs.push_back(x);
  }
  return outs;
}

}  // namespace cpq
