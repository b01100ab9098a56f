#include "model/SECONDFPN.h"

#include <cmath>

#include "quant/QuantLayers.h"

namespace cpq {

SECONDFPNImpl::SECONDFPNImpl(const NeckConfig& cfg) {
  deblocks = register_module("deblocks", torch::nn::ModuleList());
  for (size_t i = 0; i < cfg.inChannels.size(); ++i) {
    const int in = cfg.inChannels[i], out = cfg.outChannels[i];
    const double s = cfg.upsampleStrides[i];
    torch::nn::Sequential deblock;
    if (s > 1 || (s == 1 && !cfg.useConvForNoStride)) {
      const int k = static_cast<int>(std::lround(s));
      deblock->push_back(QuantConvTranspose2d(torch::nn::ConvTranspose2dOptions(in, out, k).stride(k).bias(false)));
    } else {
      const int k = static_cast<int>(std::lround(1.0 / s));
      deblock->push_back(QuantConv2d(torch::nn::Conv2dOptions(in, out, k).stride(k).bias(false)));
    }
    deblock->push_back(
        FoldableBatchNorm2d(torch::nn::BatchNormOptions(out).eps(cfg.normEps).momentum(cfg.normMomentum)));
    deblock->push_back(FusableReLU());
    deblocks->push_back(deblock);
  }
}

at::Tensor SECONDFPNImpl::forward(const std::vector<at::Tensor>& features) {
  std::vector<at::Tensor> ups;
  for (size_t i = 0; i < features.size(); ++i)
    ups.push_back(deblocks[i]->as<torch::nn::Sequential>()->forward(features[i]));
  return ups.size() == 1 ? ups[0] : at::cat(ups, 1);
}

}  // namespace cpq
