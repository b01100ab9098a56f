#include "export/OnnxModelCheck.h"

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <stdexcept>

namespace cpq {

std::string describeShape(const onnx::TypeProto& type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return "(no shape)";
  std::string s = "[";
  const auto& shape = type.tensor_type().shape();
  for (int i = 0; i < shape.dim_size(); ++i) {
    const auto& d = shape.dim(i);
    if (i) s += ", ";
    s += d.has_dim_value() ? std::to_string(d.dim_value()) : d.has_dim_param() ? d.dim_param() : "?";
  }
  return s + "]";
}

void checkOnnxModel(const onnx::ModelProto& model, const std::string& what) {
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw std::logic_error(what + ": the ONNX checker rejects the exported graph: " + e.what());
  }
  onnx::ModelProto stripped = model;
  auto* graph = stripped.mutable_graph();
  for (auto& out : *graph->mutable_output()) out.mutable_type()->mutable_tensor_type()->clear_shape();
  try {
    const onnx::ShapeInferenceOptions strict(/*check_type=*/true, /*error_mode=*/1, /*enable_data_propagation=*/true);
    onnx::shape_inference::InferShapes(stripped, onnx::OpSchemaRegistry::Instance(), strict);
  } catch (const std::exception& e) {
    throw std::logic_error(what + ": ONNX shape inference fails on the exported graph: " + e.what());
  }
  for (int i = 0; i < model.graph().output_size(); ++i) {
    const auto& declared = model.graph().output(i);
    const auto& inferred = graph->output(i);
    const std::string want = describeShape(declared.type()), got = describeShape(inferred.type());
    if (want != got || inferred.type().tensor_type().elem_type() != declared.type().tensor_type().elem_type()) {
      throw std::logic_error(what + ": output " + declared.name() + " is declared " + want + " but ONNX infers " + got);
    }
  }
}

}  // namespace cpq
