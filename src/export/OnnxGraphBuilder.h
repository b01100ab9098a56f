#pragma once
// A thin layer over the ONNX protobuf API so that the model builders read like the network: one call per
// layer, tensors named by the caller (AWML's parameter names), every node's output named after the node.
// Hand-written: it fills ModelProto fields directly, which is what onnx's Python helpers (make_node,
// make_tensor, make_model) do; the C++ library only offers a text-format parser, not a builder that takes
// tensors as raw initializers.
#include <ATen/ATen.h>
#include <onnx/onnx_pb.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace cpq {

// One dimension of a graph input/output: fixed (value) or symbolic (dim_param).
struct OnnxDim {
  OnnxDim(int64_t v) : value(v) {}  // NOLINT: dims read best as {"batch_size", 32, 64, 64}
  OnnxDim(const char* p) : param(p) {}  // NOLINT
  OnnxDim(std::string p) : param(std::move(p)) {}  // NOLINT
  bool symbolic() const { return !param.empty(); }
  int64_t value = 0;
  std::string param;
};
using OnnxShape = std::vector<OnnxDim>;

// A constant and the initializer name it gets.
struct NamedTensor {
  std::string name;
  at::Tensor value;
};

constexpr int64_t kOnnxOpset = 17;
constexpr int64_t kOnnxIrVersion = 8;

class OnnxGraphBuilder {
 public:
  explicit OnnxGraphBuilder(const std::string& graphName);

  // float32 graph inputs and outputs.
  void addInput(const std::string& name, const OnnxShape& shape);
  void addOutput(const std::string& name, const OnnxShape& shape);
  // float32, int64 or int8 (quantized weights, zero points); returns the name. Names must be unique.
  std::string addInitializer(const NamedTensor& t);

  // Each layer returns the name of its output tensor: `output` when given, else the node name.
  std::string conv(const std::string& node, const std::string& x, const NamedTensor& weight, const NamedTensor& bias,
                   int64_t stride, int64_t pad, const std::string& output = "");
  // Weight [in, out, k, k]; no padding (SECONDFPN's upsampling deconvs have kernel == stride).
  std::string convTranspose(const std::string& node, const std::string& x, const NamedTensor& weight,
                            const NamedTensor& bias, int64_t stride, const std::string& output = "");
  std::string matMul(const std::string& node, const std::string& x, const NamedTensor& weight, const std::string& output = "");
  // The same layers on tensors that already exist (a DequantizeLinear's output as the weight): the kernel
  // size is given since there is no tensor to read it from.
  std::string convNode(const std::string& node, const std::string& x, const std::string& weight, const std::string& bias,
                       std::array<int64_t, 2> kernel, int64_t stride, int64_t pad, const std::string& output = "");
  std::string convTransposeNode(const std::string& node, const std::string& x, const std::string& weight,
                                const std::string& bias, std::array<int64_t, 2> kernel, int64_t stride,
                                const std::string& output = "");
  std::string matMulNode(const std::string& node, const std::string& x, const std::string& weight,
                         const std::string& output = "");
  // QuantizeLinear / DequantizeLinear on named scale and zero-point tensors; axis for per-channel scales.
  std::string quantizeLinear(const std::string& node, const std::string& x, const std::string& scale,
                             const std::string& zeroPoint, const std::string& output = "");
  std::string dequantizeLinear(const std::string& node, const std::string& x, const std::string& scale,
                               const std::string& zeroPoint, std::optional<int64_t> axis, const std::string& output = "");
  std::string addBias(const std::string& node, const std::string& x, const NamedTensor& bias, const std::string& output = "");
  std::string relu(const std::string& node, const std::string& x, const std::string& output = "");
  std::string reduceMax(const std::string& node, const std::string& x, const std::vector<int64_t>& axes, bool keepdims,
                        const std::string& output = "");
  std::string shape(const std::string& node, const std::string& x);
  std::string expand(const std::string& node, const std::string& x, const std::string& shape);
  std::string concat(const std::string& node, const std::vector<std::string>& inputs, int64_t axis,
                     const std::string& output = "");

  // The model: IR version 8, opset 17, producer "centerpoint-quant". The builder is spent afterwards.
  onnx::ModelProto finish();

 private:
  onnx::NodeProto& addNode(const std::string& opType, const std::string& node, const std::vector<std::string>& inputs,
                           const std::string& output);
  onnx::ModelProto model_;
  onnx::GraphProto* graph_;
};

}  // namespace cpq
