#pragma once
// The exporter's own gate before anything is written: the full ONNX checker, then strict shape inference
// (node-level errors thrown, types checked, shape data propagated through Shape/Expand) on a copy whose
// outputs carry no shapes, so that the shapes ONNX infers are compared with the ones we declare instead of
// being merged into them.
#include <onnx/onnx_pb.h>

#include <string>

namespace cpq {

// Throws std::logic_error naming `what` when the checker or shape inference rejects the model, or when an
// inferred output shape differs from the declared one (dims and dim_params alike): either is an exporter bug.
void checkOnnxModel(const onnx::ModelProto& model, const std::string& what);

// "[batch_size, 32, 64, 64]" for messages and tests; "?" for an unknown dim.
std::string describeShape(const onnx::TypeProto& type);

}  // namespace cpq
