#pragma once
// pytorch-quantization's TensorQuantizer: disabled (identity), calibrating (collects statistics, passes x
// through unchanged) or quantizing (fake quantization with its amax). amax is the buffer `_amax`, so a
// quantizer registered as `_input_quantizer` in layer L is saved as `L._input_quantizer._amax`.
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <ostream>

#include "quant/Calibrator.h"
#include "quant/QuantDescriptor.h"

namespace cpq {

enum class QuantizerState { Disabled, Calibrating, Quantizing };

class TensorQuantizerImpl : public torch::nn::Module {
 public:
  explicit TensorQuantizerImpl(QuantDescriptor desc);
  at::Tensor forward(const at::Tensor& x);

  const QuantDescriptor& descriptor() const { return desc_; }
  QuantizerState state() const { return state_; }
  void disable() { state_ = QuantizerState::Disabled; }
  // Calibrating state; creates the calibrator on first use.
  void enableCalibration();
  // Quantizing state; throws cpq::Error when there is no amax.
  void enableQuantization();

  bool hasAmax() const;
  at::Tensor amax() const;               // the `_amax` buffer (undefined when none)
  // Registers or overwrites `_amax` (copied, float32); cpq::Error unless every value is finite and >= 0.
  void setAmax(const at::Tensor& amax);
  // computeAmax of the calibrator into `_amax`; returns it.
  at::Tensor loadCalibratedAmax(const AmaxOptions& options);

  // "TensorQuantizer(8bit per-channel(axis 0) narrow amax=[0.0012, 2.3456](64) quantizing)".
  void pretty_print(std::ostream& stream) const override;

  Calibrator* calibrator() { return calibrator_.get(); }
  const Calibrator* calibrator() const { return calibrator_.get(); }

 private:
  QuantDescriptor desc_;
  QuantizerState state_ = QuantizerState::Disabled;
  std::unique_ptr<Calibrator> calibrator_;
  at::Tensor amax_;  // alias of the `_amax` buffer
};
TORCH_MODULE(TensorQuantizer);

// After an optimizer step: every learnable amax in the model back to >= kMinLearnableAmax (a NaN one to
// that floor), so that a learnt range never turns negative or dead.
void keepLearnableAmaxPositive(torch::nn::Module& model);

}  // namespace cpq
