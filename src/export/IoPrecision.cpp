#include "export/IoPrecision.h"

#include <stdexcept>
#include <string>

namespace cpq {

namespace {

onnx::NodeProto makeCast(const std::string& node, const std::string& in, const std::string& out, int to) {
  onnx::NodeProto n;
  n.set_name(node);
  n.set_op_type("Cast");
  n.add_input(in);
  n.add_output(out);
  auto* a = n.add_attribute();
  a->set_name("to");
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(to);
  return n;
}

void setElemType(onnx::ValueInfoProto& v, int type) {
  v.mutable_type()->mutable_tensor_type()->set_elem_type(type);
}

}  // namespace

void applyIoPrecision(onnx::ModelProto& model, const OnnxExportOptions& options) {
  auto* graph = model.mutable_graph();
  if (options.inputPrecision == IoPrecision::Fp16) {
    std::vector<onnx::NodeProto> casts;
    for (auto& input : *graph->mutable_input()) {
      const std::string name = input.name(), inside = name + ".float";
      for (auto& n : *graph->mutable_node())
        for (auto& in : *n.mutable_input())
          if (in == name) in = inside;
      casts.push_back(makeCast(name + ".cast_to_float", name, inside, onnx::TensorProto_DataType_FLOAT));
      setElemType(input, onnx::TensorProto_DataType_FLOAT16);
    }
    // The casts come first: the node list stays topologically sorted.
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (auto& c : casts) *nodes.Add() = std::move(c);
    for (auto& n : *graph->mutable_node()) *nodes.Add() = std::move(n);
    graph->mutable_node()->Swap(&nodes);
  }
  if (options.outputPrecision == IoPrecision::Fp16) {
    for (auto& output : *graph->mutable_output()) {
      const std::string name = output.name(), inside = name + ".float";
      bool produced = false;
      for (auto& n : *graph->mutable_node()) {
        for (auto& out : *n.mutable_output()) {
          if (out == name) {
            out = inside;
            produced = true;
          }
        }
        for (auto& in : *n.mutable_input())
          if (in == name) in = inside;
      }
      if (!produced) throw std::logic_error("ONNX export: no node produces the graph output " + name);
      *graph->add_node() =
          makeCast(name + ".cast_to_float16", inside, name, onnx::TensorProto_DataType_FLOAT16);
      setElemType(output, onnx::TensorProto_DataType_FLOAT16);
    }
  }
}

}  // namespace cpq
