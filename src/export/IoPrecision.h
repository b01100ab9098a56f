#pragma once
// FP16 graph inputs / outputs (OnnxExportOptions::inputPrecision / outputPrecision) on a finished float
// graph: each FLOAT16 input `x` feeds a Cast `x.cast_to_float` whose output `x.float` replaces `x` in the
// nodes; each FLOAT16 output `y` is a Cast `y.cast_to_float16` of what the network produced, now `y.float`.
// Names and shapes of the graph inputs and outputs stay as they were. FP32 changes nothing.
#include <onnx/onnx_pb.h>

#include "export/OnnxExportOptions.h"

namespace cpq {

void applyIoPrecision(onnx::ModelProto& model, const OnnxExportOptions& options);

}  // namespace cpq
