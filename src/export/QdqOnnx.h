#pragma once
// Q/DQ export of quantized layers (docs/export_int8.md; docs/quantization.md, 'Q/DQ export and TensorRT's
// rules'): what TensorRT's explicit quantization consumes. A layer whose quantizers are both Quantizing
// becomes
//
//   x -> QuantizeLinear -> DequantizeLinear --------------------> Conv / ConvTranspose / MatMul -> (bias) ->
//   Relu int8 weight initializer -> DequantizeLinear (per channel) --^
//
// scale = amax / 127 as float32 (1.0 where amax <= 2^-24, a dead tensor or channel whose weights are then 0),
// zero point int8 0. Weights are written as INT8 initializers, round-half-even(w * 127 / amax) clamped to
// [-127, 127] (TensorRT's weight range; ONNX QuantizeLinear would give -128 for a weight that exceeds its
// frozen amax after QAT). Biases stay float; nothing is quantized on layer outputs.
#include <ATen/ATen.h>

#include <optional>
#include <string>

#include "export/OnnxGraphBuilder.h"
#include "quant/QuantLayers.h"

namespace cpq {

// True when the layer is exported with Q/DQ: it carries quantizers and both are Quantizing. False when it
// has none or both are Disabled (it stays float). Throws cpq::Error naming the layer for what TensorRT's
// explicit quantization cannot take or what would be half done: a quantizer still calibrating, one
// quantizing and the other not, num_bits != 8, an unsigned quantizer, a per-channel activation quantizer,
// a weight quantizer per channel along an axis other than the output channels, and a missing, negative or
// non-finite amax, or one whose size fits neither per-tensor nor the channels.
bool exportsAsInt8(QuantLayer& layer, const std::string& name);

// amax / 127 (float32 division), 1.0 where amax <= 2^-24; flattened: shape [] per-tensor, [C] per channel.
at::Tensor qdqScale(const at::Tensor& amax, bool perChannel);

// A weight in the form the graph holds it: int8 values, the DequantizeLinear scale and axis.
struct Int8Weight {
  at::Tensor values;            // int8, the layer's layout
  at::Tensor scale;             // float32, [] or [C]
  std::optional<int64_t> axis;  // the channel axis of `values` for a per-channel scale
};

// The weight quantized with the weight quantizer's amax (per-tensor, or per channel along its axis),
// in the layer's own layout (Conv2d [out, in, k, k], ConvTranspose2d [in, out, k, k], Linear [out, in]).
Int8Weight int8Weight(const at::Tensor& weight, const TensorQuantizerImpl& quantizer);
// A Linear's weight as ONNX MatMul takes it, [in, out]: the transpose, its channel axis 0 -> 1.
Int8Weight transposedForMatMul(const Int8Weight& w);

// x -> QuantizeLinear -> DequantizeLinear with the layer's input quantizer; returns the DequantizeLinear
// output. Nodes `<layer>._input_quantizer.QuantizeLinear` / `.DequantizeLinear`, initializers
// `<layer>._input_quantizer.scale` / `.zero_point` (one pair shared by both nodes).
std::string addInputQdq(OnnxGraphBuilder& g, const std::string& layer, const std::string& x,
                        const TensorQuantizerImpl& quantizer);

// The int8 initializer `initializerName` and its DequantizeLinear
// `<layer>._weight_quantizer.DequantizeLinear` (scale / zero point `<layer>._weight_quantizer.scale` /
// `.zero_point`); returns the dequantized weight.
std::string addWeightDq(OnnxGraphBuilder& g, const std::string& layer, const std::string& initializerName,
                        const Int8Weight& w);

}  // namespace cpq
