#include "export/QdqOnnx.h"

#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/Error.h"
#include "quant/FakeQuantize.h"
#include "quant/QuantInsertion.h"

namespace cpq {

namespace {

constexpr float kBound = 127.0f;  // 2^(8-1) - 1: signed INT8

std::string stateName(QuantizerState s) {
  switch (s) {
    case QuantizerState::Disabled:
      return "disabled";
    case QuantizerState::Calibrating:
      return "calibrating";
    case QuantizerState::Quantizing:
      return "quantizing";
  }
  return "?";
}

// What TensorRT's explicit quantization takes: signed 8-bit with zero point 0, a finite non-negative amax.
void requireTensorRtQuantizer(const TensorQuantizerImpl& q, const std::string& name) {
  const QuantDescriptor& d = q.descriptor();
  if (d.isUnsigned) {
    throw Error(name +
                ": an unsigned quantizer cannot be exported: TensorRT's explicit quantization takes signed "
                "INT8 with zero point 0 only (quantize with a signed descriptor)");
  }
  if (d.numBits != 8) {
    throw Error(name + ": num_bits " + std::to_string(d.numBits) +
                " cannot be exported: TensorRT's explicit quantization takes signed INT8 only");
  }
  if (!q.hasAmax()) throw Error(name + ": quantizing but has no amax (calibrate or load one first)");
  const at::Tensor a = q.amax().detach().to(at::kCPU, at::kDouble);
  if (a.numel() == 0) throw Error(name + ": its amax is empty");
  if (!at::isfinite(a).all().item<bool>() || (a < 0).any().item<bool>()) {
    throw Error(name + ": amax must be finite and non-negative (min " +
                std::to_string(a.min().item<double>()) + ", max " + std::to_string(a.max().item<double>()) +
                "); the calibration went wrong");
  }
}

// The amax values as float32 [C] (or [1]), checked against the weight: one per-tensor value, or one per
// channel along the quantizer's axis.
at::Tensor weightAmax(const at::Tensor& weight, const TensorQuantizerImpl& q) {
  const at::Tensor a = q.amax().detach().to(at::kCPU, at::kFloat).contiguous().reshape({-1});
  const auto& axis = q.descriptor().axis;
  const int64_t expected = axis ? weight.size(*axis) : 1;
  if (a.numel() != expected) {
    throw std::logic_error(
        "Q/DQ export: a weight amax with " + std::to_string(a.numel()) + " values for " +
        (axis ? std::to_string(expected) + " channels" : std::string("a per-tensor quantizer")));
  }
  return a;
}

}  // namespace

bool exportsAsInt8(QuantLayer& layer, const std::string& name) {
  if (!layer.isQuantized()) return false;
  const TensorQuantizer in = layer.inputQuantizer();
  const TensorQuantizer w = layer.weightQuantizer();
  const QuantizerState si = in->state(), sw = w->state();
  if (si == QuantizerState::Disabled && sw == QuantizerState::Disabled) return false;
  if (si == QuantizerState::Calibrating || sw == QuantizerState::Calibrating) {
    throw Error(name +
                ": its quantizers are still calibrating; compute amax and switch them to quantizing before "
                "exporting");
  }
  if (si != sw) {
    throw Error(name + ": _input_quantizer is " + stateName(si) + " but _weight_quantizer is " +
                stateName(sw) +
                ": TensorRT needs both inputs of a quantized layer quantized (enable or disable both)");
  }
  const std::string inName = name + "._input_quantizer", wName = name + "._weight_quantizer";
  requireTensorRtQuantizer(*in, inName);
  requireTensorRtQuantizer(*w, wName);
  if (in->descriptor().axis) {
    throw Error(inName + ": a per-channel activation quantizer (axis " +
                std::to_string(*in->descriptor().axis) +
                ") cannot be exported: TensorRT takes per-tensor activation scales");
  }
  const auto& axis = w->descriptor().axis;
  const at::Tensor& weight = layer.layerWeight();
  if (axis && *axis != layer.outputChannelAxis()) {
    throw Error(wName + ": per-channel along weight axis " + std::to_string(*axis) + ", but TensorRT takes " +
                layer.layerType() + " weight scales per output channel (axis " +
                std::to_string(layer.outputChannelAxis()) + ") or per tensor");
  }
  if (hasDeadInput(QuantizerOwner{name, layer.layerType(), in, w, &layer})) {
    throw Error(inName +
                ": its amax is dead (the activation was all zeros when calibrated), so the layer "
                "must stay float (Q/DQ cannot output the fake-quant model's zeros); enable it through "
                "setQuantizerStates / enableOwnerQuantization, which keep it float");
  }
  if (!at::isfinite(weight.detach()).all().item<bool>()) {
    throw Error(name +
                ": its weight has NaN or Inf values; INT8 conversion needs finite weights (the "
                "checkpoint or the training diverged)");
  }
  const int64_t expected = axis ? weight.size(*axis) : 1;
  if (w->amax().numel() != expected || in->amax().numel() != 1) {
    throw Error(name + ": amax sizes do not fit the layer (input " + std::to_string(in->amax().numel()) +
                " values, weight " + std::to_string(w->amax().numel()) + " for " +
                (axis ? std::to_string(expected) + " channels" : std::string("a per-tensor quantizer")) +
                ")");
  }
  return true;
}

at::Tensor qdqScale(const at::Tensor& amax, bool perChannel) {
  const at::Tensor a = amax.detach().to(at::kCPU, at::kFloat).contiguous().reshape({-1});
  if (!perChannel && a.numel() != 1)
    throw std::logic_error("Q/DQ export: a per-tensor amax with several values");
  at::Tensor scale = at::empty({a.numel()}, at::kFloat);
  const float* src = a.data_ptr<float>();
  float* dst = scale.data_ptr<float>();
  for (int64_t i = 0; i < a.numel(); ++i)
    dst[i] = src[i] <= static_cast<float>(kDeadAmax) ? 1.0f : src[i] / kBound;
  return perChannel ? scale : scale.reshape({});
}

Int8Weight int8Weight(const at::Tensor& weight, const TensorQuantizerImpl& quantizer) {
  const at::Tensor w = weight.detach().to(at::kCPU, at::kFloat).contiguous();
  const auto& axis = quantizer.descriptor().axis;
  const at::Tensor amax = weightAmax(w, quantizer);
  // 127 / amax per value (float32 division), broadcast along the channel axis; dead channels become 0.
  at::Tensor inv = at::empty_like(amax);
  at::Tensor dead = at::empty({amax.numel()}, at::kBool);
  for (int64_t i = 0; i < amax.numel(); ++i) {
    const float a = amax.data_ptr<float>()[i];
    dead.data_ptr<bool>()[i] = a <= static_cast<float>(kDeadAmax);
    inv.data_ptr<float>()[i] = a <= static_cast<float>(kDeadAmax) ? 0.0f : kBound / a;
  }
  std::vector<int64_t> shape(static_cast<size_t>(w.dim()), 1);
  if (axis) shape[static_cast<size_t>(*axis)] = w.size(*axis);
  if (!axis) shape.clear();  // per-tensor: a scalar
  const at::Tensor q = at::clamp(at::round(w * inv.reshape(shape)), -kBound, kBound);
  const at::Tensor values = at::where(dead.reshape(shape), at::zeros_like(q), q).to(at::kChar).contiguous();
  return {values, qdqScale(quantizer.amax(), axis.has_value()), axis};
}

Int8Weight transposedForMatMul(const Int8Weight& w) {
  if (w.values.dim() != 2)
    throw std::logic_error("Q/DQ export: only a 2-D weight can be transposed for MatMul");
  std::optional<int64_t> axis;
  if (w.axis) axis = 1 - *w.axis;
  return {w.values.t().contiguous(), w.scale, axis};
}

std::string addInputQdq(OnnxGraphBuilder& g, const std::string& layer, const std::string& x,
                        const TensorQuantizerImpl& quantizer) {
  const std::string p = layer + "._input_quantizer";
  const std::string scale = g.addInitializer({p + ".scale", qdqScale(quantizer.amax(), false)});
  const std::string zero = g.addInitializer({p + ".zero_point", at::zeros({}, at::kChar)});
  const std::string q = g.quantizeLinear(p + ".QuantizeLinear", x, scale, zero);
  return g.dequantizeLinear(p + ".DequantizeLinear", q, scale, zero, std::nullopt);
}

std::string addWeightDq(OnnxGraphBuilder& g, const std::string& layer, const std::string& initializerName,
                        const Int8Weight& w) {
  const std::string p = layer + "._weight_quantizer";
  const std::string values = g.addInitializer({initializerName, w.values});
  const std::string scale = g.addInitializer({p + ".scale", w.scale});
  const std::string zero = g.addInitializer({p + ".zero_point", at::zeros(w.scale.sizes(), at::kChar)});
  return g.dequantizeLinear(p + ".DequantizeLinear", values, scale, zero, w.axis);
}

}  // namespace cpq
