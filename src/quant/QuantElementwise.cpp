#include "quant/QuantElementwise.h"

#include <ATen/ATen.h>

namespace cpq {

void SharedInputQuantizer::attachQuantizer(torch::nn::Module& self, const QuantDescriptor& input) {
  input_ = self.register_module("_input_quantizer", TensorQuantizer(input));
}

at::Tensor QuantConcatImpl::forward(const std::vector<at::Tensor>& xs) {
  std::vector<at::Tensor> q;
  q.reserve(xs.size());
  for (const auto& x : xs) q.push_back(quantize(x));
  return at::cat(q, dim_);
}

}  // namespace cpq
