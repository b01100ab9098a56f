#pragma once
// Add and Concat whose inputs share ONE input quantizer (docs/quantization.md, 'Q/DQ export'): TensorRT needs
// every input of a quantized Add / Concat on the same scale, otherwise it inserts re-quantization. SECOND and
// SECONDFPN have neither; backbones with residuals or skip concats (AWML's ConvNeXt variant) use these.
// Until QuantInsertion attaches `_input_quantizer`, both are plain float ops.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <vector>

#include "quant/TensorQuantizer.h"

namespace cpq {

class SharedInputQuantizer {
 public:
  virtual ~SharedInputQuantizer() = default;
  virtual std::string layerType() const = 0;  // "Add" | "Concat"
  TensorQuantizer inputQuantizer() const { return input_; }
  bool isQuantized() const { return !input_.is_empty(); }
  void attachQuantizer(torch::nn::Module& self, const QuantDescriptor& input);

 protected:
  at::Tensor quantize(const at::Tensor& x) { return isQuantized() ? input_->forward(x) : x; }

 private:
  TensorQuantizer input_{nullptr};
};

class QuantAddImpl : public torch::nn::Module, public SharedInputQuantizer {
 public:
  at::Tensor forward(const at::Tensor& a, const at::Tensor& b) { return quantize(a) + quantize(b); }
  std::string layerType() const override { return "Add"; }
};
TORCH_MODULE(QuantAdd);

class QuantConcatImpl : public torch::nn::Module, public SharedInputQuantizer {
 public:
  explicit QuantConcatImpl(int64_t dim) : dim_(dim) {}
  at::Tensor forward(const std::vector<at::Tensor>& xs);
  std::string layerType() const override { return "Concat"; }

 private:
  int64_t dim_;
};
TORCH_MODULE(QuantConcat);

}  // namespace cpq
