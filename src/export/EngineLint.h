#pragma once
// Engine readiness: the rules of TensorRT's explicit quantization (TensorRT developer guide, "Explicit
// Quantization") checked on an ONNX graph, so that a graph TensorRT would reject, or build with silent extra
// re-quantization, is refused here, where no TensorRT is installed. docs/export_int8.md lists the rules.
//
//  - the default-domain opset is >= 13 (per-channel Q/DQ);
//  - every QuantizeLinear feeds only DequantizeLinear nodes with the identical scale, zero point and axis;
//  - every Q/DQ zero point is an INT8 constant of zeros (a QuantizeLinear without one would give UINT8);
//  - every Q/DQ scale is a float32 constant, positive and finite, a scalar or 1-D;
//  - a per-channel (1-D) scale has an axis within the tensor's rank and one value per slice of that axis;
//  - an INT8 constant feeds only a DequantizeLinear (as its data) or a Q/DQ zero point: TensorRT's
//    "Int8 constant is only allowed before DQ node";
//  - every Conv / ConvTranspose / MatMul / Gemm takes BOTH data and weight from DequantizeLinear, or NEITHER;
//  - no Q/DQ between a Conv / ConvTranspose / MatMul(+bias Add) / Gemm and the Relu after it (TensorRT fuses
//    the conv with its ReLU only when nothing sits between them);
//  - no graph output comes out of a Q/DQ (directly or through a Cast).
#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace cpq {

// One line per violation, naming the node and tensor; empty when the graph is engine-ready. A float graph
// (no Q/DQ) passes when its opset is >= 13.
std::vector<std::string> engineLint(const onnx::ModelProto& model);

// Throws std::logic_error naming `what` and listing every violation (the exporter's own graph failing
// the lint is an exporter bug; what users can get wrong is refused earlier with cpq::Error).
void requireEngineReady(const onnx::ModelProto& model, const std::string& what);

}  // namespace cpq
