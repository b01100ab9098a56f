#pragma once
// Quant-capable layers. libtorch has no monkey patching, so the model is BUILT from these (as
// pytorch-quantization's quant_modules.initialize() makes torch.nn.Conv2d construct QuantConv2d): each is a
// torch::nn layer subclass with the same parameters and names, and behaves exactly as the float layer
// until QuantInsertion attaches `_input_quantizer` / `_weight_quantizer` children to it. `as<Conv2d>()`
// and friends still find them.
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>

#include <functional>
#include <ostream>
#include <string>

#include "quant/TensorQuantizer.h"

// libtorch (Debian's 1.13) does not export BatchNormImplBase<D>::pretty_print, yet the construction
// vtables of any subclass (FoldableBatchNorm below) refer to it; QuantLayers.cpp defines these two
// specialisations so that subclasses link. (Hand-written for that reason only; see TorchCompat.h.)
namespace torch::nn {
template <>
void BatchNormImplBase<1, BatchNorm1dImpl>::pretty_print(std::ostream& stream) const;
template <>
void BatchNormImplBase<2, BatchNorm2dImpl>::pretty_print(std::ostream& stream) const;
}  // namespace torch::nn

namespace cpq {

// The quantization side of a layer: its two optional quantizers.
class QuantLayer {
 public:
  virtual ~QuantLayer() = default;
  virtual std::string layerType() const = 0;  // "Conv2d" | "ConvTranspose2d" | "Linear"
  // Output channels live on this weight axis (0 for Conv2d / Linear, 1 for ConvTranspose2d).
  virtual int64_t outputChannelAxis() const = 0;
  virtual at::Tensor& layerWeight() = 0;
  virtual at::Tensor& layerBias() = 0;  // undefined when the layer has no bias
  // Registers a bias parameter (BN folding into a layer built without one) or overwrites it.
  virtual void setBias(const at::Tensor& bias) = 0;

  // Null until attached.
  TensorQuantizer inputQuantizer() const { return input_; }
  TensorQuantizer weightQuantizer() const { return weight_; }
  bool isQuantized() const { return !input_.is_empty(); }
  // Registers `_input_quantizer` and `_weight_quantizer` on `self` (this layer as a Module).
  void attachQuantizers(torch::nn::Module& self, const QuantDescriptor& input, const QuantDescriptor& weight);

  // ReLU fusion: the layer applies the ReLU that follows it (its FusableReLU then passes through).
  bool fusedRelu() const { return fusedRelu_; }
  void setFusedRelu(bool on) { fusedRelu_ = on; }

  // Sees every output of the layer (after a fused ReLU): per-layer error measurements (SQNR, sensitivity)
  // without forward hooks, which libtorch lacks. Empty function = none.
  using OutputObserver = std::function<void(const at::Tensor&)>;
  void setOutputObserver(OutputObserver observer) { observer_ = std::move(observer); }
  // Sees every float input of the layer before its input quantizer (the samples of the output-error PTQ
  // methods, ptq/LayerSamples). Empty function = none.
  using InputObserver = std::function<void(const at::Tensor&)>;
  void setInputObserver(InputObserver observer) { inputObserver_ = std::move(observer); }

 protected:
  at::Tensor quantizeInput(const at::Tensor& x) {
    if (inputObserver_) inputObserver_(x);
    return isQuantized() ? input_->forward(x) : x;
  }
  at::Tensor quantizeWeight(const at::Tensor& w) { return isQuantized() ? weight_->forward(w) : w; }
  at::Tensor activate(const at::Tensor& y) const {
    at::Tensor out = fusedRelu_ ? at::relu(y) : y;
    if (observer_) observer_(out);
    return out;
  }

 private:
  TensorQuantizer input_{nullptr};
  TensorQuantizer weight_{nullptr};
  bool fusedRelu_ = false;
  OutputObserver observer_;
  InputObserver inputObserver_;
};

class QuantConv2dImpl : public torch::nn::Conv2dImpl, public QuantLayer {
 public:
  explicit QuantConv2dImpl(const torch::nn::Conv2dOptions& options) : torch::nn::Conv2dImpl(options) {}
  at::Tensor forward(const at::Tensor& x);
  std::string layerType() const override { return "Conv2d"; }
  int64_t outputChannelAxis() const override { return 0; }
  at::Tensor& layerWeight() override { return weight; }
  at::Tensor& layerBias() override { return bias; }
  void setBias(const at::Tensor& b) override;
};
TORCH_MODULE(QuantConv2d);

class QuantConvTranspose2dImpl : public torch::nn::ConvTranspose2dImpl, public QuantLayer {
 public:
  explicit QuantConvTranspose2dImpl(const torch::nn::ConvTranspose2dOptions& options)
      : torch::nn::ConvTranspose2dImpl(options) {}
  at::Tensor forward(const at::Tensor& x);
  std::string layerType() const override { return "ConvTranspose2d"; }
  int64_t outputChannelAxis() const override { return 1; }
  at::Tensor& layerWeight() override { return weight; }
  at::Tensor& layerBias() override { return bias; }
  void setBias(const at::Tensor& b) override;
};
TORCH_MODULE(QuantConvTranspose2d);

class QuantLinearImpl : public torch::nn::LinearImpl, public QuantLayer {
 public:
  explicit QuantLinearImpl(const torch::nn::LinearOptions& options) : torch::nn::LinearImpl(options) {}
  at::Tensor forward(const at::Tensor& x);
  std::string layerType() const override { return "Linear"; }
  int64_t outputChannelAxis() const override { return 0; }
  at::Tensor& layerWeight() override { return weight; }
  at::Tensor& layerBias() override { return bias; }
  void setBias(const at::Tensor& b) override;
};
TORCH_MODULE(QuantLinear);

// A BatchNorm that BN fusion can fold away: once folded it is the identity and its parent no longer
// registers it (so a fused model's state_dict has no BN keys, as Python's fused models do).
class FoldableNorm {
 public:
  virtual ~FoldableNorm() = default;
  bool isFolded() const { return folded_; }
  void markFolded() { folded_ = true; }

 private:
  bool folded_ = false;
};

class FoldableBatchNorm1dImpl : public torch::nn::BatchNorm1dImpl, public FoldableNorm {
 public:
  explicit FoldableBatchNorm1dImpl(const torch::nn::BatchNormOptions& o) : torch::nn::BatchNorm1dImpl(o) {}
  at::Tensor forward(const at::Tensor& x) { return isFolded() ? x : torch::nn::BatchNorm1dImpl::forward(x); }
  // libtorch does not export BatchNormImplBase::pretty_print for subclasses to link against.
  void pretty_print(std::ostream& os) const override {
    os << "cpq::FoldableBatchNorm1d(" << options.num_features() << (isFolded() ? ", folded)" : ")");
  }
};
TORCH_MODULE(FoldableBatchNorm1d);

class FoldableBatchNorm2dImpl : public torch::nn::BatchNorm2dImpl, public FoldableNorm {
 public:
  explicit FoldableBatchNorm2dImpl(const torch::nn::BatchNormOptions& o) : torch::nn::BatchNorm2dImpl(o) {}
  at::Tensor forward(const at::Tensor& x) { return isFolded() ? x : torch::nn::BatchNorm2dImpl::forward(x); }
  // libtorch does not export BatchNormImplBase::pretty_print for subclasses to link against.
  void pretty_print(std::ostream& os) const override {
    os << "cpq::FoldableBatchNorm2d(" << options.num_features() << (isFolded() ? ", folded)" : ")");
  }
};
TORCH_MODULE(FoldableBatchNorm2d);

// A ReLU that a preceding layer can absorb (ReLU fusion): then it passes its input through.
class FusableReLUImpl : public torch::nn::ReLUImpl {
 public:
  FusableReLUImpl() = default;
  at::Tensor forward(const at::Tensor& x) { return absorbed_ ? x : torch::nn::ReLUImpl::forward(x); }
  bool isAbsorbed() const { return absorbed_; }
  void markAbsorbed() { absorbed_ = true; }

 private:
  bool absorbed_ = false;
};
TORCH_MODULE(FusableReLU);

}  // namespace cpq
