#include "quant/QuantLayers.h"

#include <stdexcept>

#include "core/TorchCompat.h"

namespace torch::nn {
template <>
void BatchNormImplBase<1, BatchNorm1dImpl>::pretty_print(std::ostream& stream) const {
  stream << "torch::nn::BatchNorm1d(" << options.num_features() << ")";
}
template <>
void BatchNormImplBase<2, BatchNorm2dImpl>::pretty_print(std::ostream& stream) const {
  stream << "torch::nn::BatchNorm2d(" << options.num_features() << ")";
}
}  // namespace torch::nn

namespace cpq {

void QuantLayer::attachQuantizers(torch::nn::Module& self, const QuantDescriptor& input,
                                  const QuantDescriptor& weight) {
  input_ = self.register_module("_input_quantizer", TensorQuantizer(input));
  weight_ = self.register_module("_weight_quantizer", TensorQuantizer(weight));
}

namespace {

// A layer built without a bias has an undefined "bias" entry (torch registers one either way): BN folding
// fills it in; an existing bias is overwritten in place (optimizers holding it stay valid).
void replaceBias(torch::OrderedDict<std::string, at::Tensor>& params, at::Tensor& member,
                 const at::Tensor& weight, const at::Tensor& value) {
  torch::NoGradGuard noGrad;
  if (member.defined()) {
    member.copy_(value);
    return;
  }
  member = value.detach()
               .to(weight.device(), weight.scalar_type())
               .clone()
               .set_requires_grad(weight.requires_grad());
  params["bias"] = member;
}

}  // namespace

at::Tensor QuantConv2dImpl::forward(const at::Tensor& x) {
  return activate(_conv_forward(quantizeInput(x), quantizeWeight(weight)));
}

void QuantConv2dImpl::setBias(const at::Tensor& b) {
  replaceBias(parameters_, bias, weight, b);
  options.bias(true);
}

at::Tensor QuantConvTranspose2dImpl::forward(const at::Tensor& x) {
  const auto* pad = compat::variantGetIf<torch::ExpandingArray<2>>(options.padding());
  if (!pad) throw std::logic_error("QuantConvTranspose2d needs a numeric padding");
  return activate(at::conv_transpose2d(quantizeInput(x), quantizeWeight(weight), bias, *options.stride(),
                                       **pad, *options.output_padding(), options.groups(),
                                       *options.dilation()));
}

void QuantConvTranspose2dImpl::setBias(const at::Tensor& b) {
  replaceBias(parameters_, bias, weight, b);
  options.bias(true);
}

at::Tensor QuantLinearImpl::forward(const at::Tensor& x) {
  return activate(at::linear(quantizeInput(x), quantizeWeight(weight), bias));
}

void QuantLinearImpl::setBias(const at::Tensor& b) {
  replaceBias(parameters_, bias, weight, b);
  options.bias(true);
}

}  // namespace cpq
