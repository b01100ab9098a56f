#include "export/OnnxGraphBuilder.h"

#include <cstring>
#include <stdexcept>

namespace cpq {

namespace {

void setShape(onnx::ValueInfoProto& info, const std::string& name, const OnnxShape& shape) {
  info.set_name(name);
  auto* tensorType = info.mutable_type()->mutable_tensor_type();
  tensorType->set_elem_type(onnx::TensorProto_DataType_FLOAT);
  auto* dims = tensorType->mutable_shape();
  for (const OnnxDim& d : shape) {
    auto* dim = dims->add_dim();
    if (d.symbolic()) {
      dim->set_dim_param(d.param);
    } else {
      dim->set_dim_value(d.value);
    }
  }
}

void intAttr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(v);
}

void intsAttr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto_AttributeType_INTS);
  for (int64_t x : v) a->add_ints(x);
}

bool littleEndianHost() {
  const uint16_t probe = 1;
  uint8_t first;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

}  // namespace

OnnxGraphBuilder::OnnxGraphBuilder(const std::string& graphName) {
  model_.set_ir_version(kOnnxIrVersion);
  model_.set_producer_name("centerpoint-quant");
  auto* opset = model_.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  graph_ = model_.mutable_graph();
  graph_->set_name(graphName);
}

void OnnxGraphBuilder::addInput(const std::string& name, const OnnxShape& shape) { setShape(*graph_->add_input(), name, shape); }

void OnnxGraphBuilder::addOutput(const std::string& name, const OnnxShape& shape) { setShape(*graph_->add_output(), name, shape); }

std::string OnnxGraphBuilder::addInitializer(const NamedTensor& t) {
  // ONNX raw_data is little-endian; copying the host bytes is right on every machine we build for.
  if (!littleEndianHost()) throw std::logic_error("ONNX export: big-endian hosts are not supported");
  const at::Tensor v = t.value.detach().cpu().contiguous();
  auto* init = graph_->add_initializer();
  init->set_name(t.name);
  if (v.scalar_type() == at::kFloat) {
    init->set_data_type(onnx::TensorProto_DataType_FLOAT);
  } else if (v.scalar_type() == at::kLong) {
    init->set_data_type(onnx::TensorProto_DataType_INT64);
  } else if (v.scalar_type() == at::kChar) {
    init->set_data_type(onnx::TensorProto_DataType_INT8);
  } else {
    throw std::logic_error("ONNX export: initializer " + t.name + " must be float32, int64 or int8");
  }
  for (int64_t d : v.sizes()) init->add_dims(d);
  init->set_raw_data(v.data_ptr(), v.numel() * v.element_size());
  return t.name;
}

onnx::NodeProto& OnnxGraphBuilder::addNode(const std::string& opType, const std::string& node,
                                           const std::vector<std::string>& inputs, const std::string& output) {
  auto* n = graph_->add_node();
  n->set_name(node);
  n->set_op_type(opType);
  for (const auto& in : inputs) n->add_input(in);
  n->add_output(output.empty() ? node : output);
  return *n;
}

std::string OnnxGraphBuilder::conv(const std::string& node, const std::string& x, const NamedTensor& weight,
                                   const NamedTensor& bias, int64_t stride, int64_t pad, const std::string& output) {
  const std::string w = addInitializer(weight);
  const std::string b = addInitializer(bias);
  return convNode(node, x, w, b, {weight.value.size(2), weight.value.size(3)}, stride, pad, output);
}

std::string OnnxGraphBuilder::convTranspose(const std::string& node, const std::string& x, const NamedTensor& weight,
                                            const NamedTensor& bias, int64_t stride, const std::string& output) {
  const std::string w = addInitializer(weight);
  const std::string b = addInitializer(bias);
  return convTransposeNode(node, x, w, b, {weight.value.size(2), weight.value.size(3)}, stride, output);
}

std::string OnnxGraphBuilder::matMul(const std::string& node, const std::string& x, const NamedTensor& weight,
                                     const std::string& output) {
  return matMulNode(node, x, addInitializer(weight), output);
}

std::string OnnxGraphBuilder::convNode(const std::string& node, const std::string& x, const std::string& weight,
                                       const std::string& bias, std::array<int64_t, 2> kernel, int64_t stride,
                                       int64_t pad, const std::string& output) {
  auto& n = addNode("Conv", node, {x, weight, bias}, output);
  intsAttr(n, "kernel_shape", {kernel[0], kernel[1]});
  intsAttr(n, "strides", {stride, stride});
  intsAttr(n, "pads", {pad, pad, pad, pad});
  return n.output(0);
}

std::string OnnxGraphBuilder::convTransposeNode(const std::string& node, const std::string& x, const std::string& weight,
                                                const std::string& bias, std::array<int64_t, 2> kernel, int64_t stride,
                                                const std::string& output) {
  auto& n = addNode("ConvTranspose", node, {x, weight, bias}, output);
  intsAttr(n, "kernel_shape", {kernel[0], kernel[1]});
  intsAttr(n, "strides", {stride, stride});
  return n.output(0);
}

std::string OnnxGraphBuilder::matMulNode(const std::string& node, const std::string& x, const std::string& weight,
                                         const std::string& output) {
  return addNode("MatMul", node, {x, weight}, output).output(0);
}

std::string OnnxGraphBuilder::quantizeLinear(const std::string& node, const std::string& x, const std::string& scale,
                                             const std::string& zeroPoint, const std::string& output) {
  return addNode("QuantizeLinear", node, {x, scale, zeroPoint}, output).output(0);
}

std::string OnnxGraphBuilder::dequantizeLinear(const std::string& node, const std::string& x, const std::string& scale,
                                               const std::string& zeroPoint, std::optional<int64_t> axis,
                                               const std::string& output) {
  auto& n = addNode("DequantizeLinear", node, {x, scale, zeroPoint}, output);
  if (axis) intAttr(n, "axis", *axis);
  return n.output(0);
}

std::string OnnxGraphBuilder::addBias(const std::string& node, const std::string& x, const NamedTensor& bias,
                                      const std::string& output) {
  return addNode("Add", node, {x, addInitializer(bias)}, output).output(0);
}

std::string OnnxGraphBuilder::relu(const std::string& node, const std::string& x, const std::string& output) {
  return addNode("Relu", node, {x}, output).output(0);
}

std::string OnnxGraphBuilder::reduceMax(const std::string& node, const std::string& x, const std::vector<int64_t>& axes,
                                        bool keepdims, const std::string& output) {
  auto& n = addNode("ReduceMax", node, {x}, output);  // opset 17: axes is still an attribute (an input from 18)
  intsAttr(n, "axes", axes);
  intAttr(n, "keepdims", keepdims ? 1 : 0);
  return n.output(0);
}

std::string OnnxGraphBuilder::shape(const std::string& node, const std::string& x) {
  return addNode("Shape", node, {x}, "").output(0);
}

std::string OnnxGraphBuilder::expand(const std::string& node, const std::string& x, const std::string& shape) {
  return addNode("Expand", node, {x, shape}, "").output(0);
}

std::string OnnxGraphBuilder::concat(const std::string& node, const std::vector<std::string>& inputs, int64_t axis,
                                     const std::string& output) {
  auto& n = addNode("Concat", node, inputs, output);
  intAttr(n, "axis", axis);
  return n.output(0);
}

onnx::ModelProto OnnxGraphBuilder::finish() {
  onnx::ModelProto out = std::move(model_);
  graph_ = nullptr;
  return out;
}

}  // namespace cpq
