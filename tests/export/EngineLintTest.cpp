// The engine-readiness lint: it passes our float and INT8 graphs, and names the node / tensor of each rule
// broken by hand on a copy of our INT8 graph (one test per rule).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "export/BackboneNeckHeadOnnx.h"
#include "export/EngineLint.h"
#include "export/QuantizedTinyModel.h"
#include "export/VoxelEncoderOnnx.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

using testing::QuantSetup;

// Our INT8 graphs of the tiny model (everything quantized but the PFN and the first backbone block).
const onnx::ModelProto& int8Dense() {
  static const onnx::ModelProto m = [] {
    const CenterPointConfig cfg = testing::tinyConfig();
    CenterPoint model = testing::fusedModelWithQuantizers(cfg, 1, QuantSetup{});
    testing::setFixedAmax(model);
    return buildBackboneNeckHeadModel(model, cfg, {});
  }();
  return m;
}

onnx::NodeProto& node(onnx::ModelProto& m, const std::string& name) {
  for (auto& n : *m.mutable_graph()->mutable_node())
    if (n.name() == name) return n;
  throw std::logic_error("no node " + name);
}

onnx::TensorProto& init(onnx::ModelProto& m, const std::string& name) {
  for (auto& t : *m.mutable_graph()->mutable_initializer())
    if (t.name() == name) return t;
  throw std::logic_error("no initializer " + name);
}

void setFloats(onnx::TensorProto& t, const std::vector<float>& v) {
  t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}

onnx::TensorProto& addInit(onnx::ModelProto& m, const std::string& name, int type,
                           const std::vector<int64_t>& dims, const std::string& raw) {
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(raw);
  return *t;
}

void addNode(onnx::ModelProto& m, const std::string& op, const std::string& name,
             const std::vector<std::string>& in, const std::string& out) {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& i : in) n->add_input(i);
  n->add_output(out);
}

void setAxis(onnx::NodeProto& n, int64_t axis) {
  for (auto& a : *n.mutable_attribute())
    if (a.name() == "axis") {
      a.set_i(axis);
      return;
    }
  auto* a = n.add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto_AttributeType_INT);
  a->set_i(axis);
}

// The lint must report exactly one kind of problem, with every word of `words` in one line.
void expectViolation(const onnx::ModelProto& m, const std::vector<std::string>& words) {
  const std::vector<std::string> v = engineLint(m);
  ASSERT_FALSE(v.empty()) << "no violation reported";
  bool found = false;
  for (const auto& line : v) {
    bool all = true;
    for (const auto& w : words) all = all && line.find(w) != std::string::npos;
    found = found || all;
  }
  std::string list;
  for (const auto& line : v) list += "\n  " + line;
  EXPECT_TRUE(found) << "no line names all of the expected words; got:" << list;
}

const std::string kLayer = "pts_backbone.blocks.1.0";
const std::string kQ = kLayer + "._input_quantizer.QuantizeLinear";
const std::string kDq = kLayer + "._input_quantizer.DequantizeLinear";
const std::string kWdq = kLayer + "._weight_quantizer.DequantizeLinear";

TEST(EngineLint, PassesOurFloatAndInt8Graphs) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint plain = makeRandomCenterPoint(cfg, 1);
  plain->eval();
  EXPECT_EQ(engineLint(buildBackboneNeckHeadModel(plain, cfg, {})), std::vector<std::string>{});
  EXPECT_EQ(engineLint(buildVoxelEncoderModel(plain, cfg, {})), std::vector<std::string>{});
  EXPECT_EQ(engineLint(int8Dense()), std::vector<std::string>{});
  EXPECT_NO_THROW(requireEngineReady(int8Dense(), "dense"));
}

TEST(EngineLint, OpsetBelow13) {
  onnx::ModelProto m = int8Dense();
  m.mutable_opset_import(0)->set_version(12);
  expectViolation(m, {"opset 12", "13"});
  try {
    requireEngineReady(m, "dense.onnx");
    ADD_FAILURE() << "not thrown";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("dense.onnx"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("opset 12"), std::string::npos);
  }
}

TEST(EngineLint, QuantizeMustFeedADequantizeWithTheSameScale) {
  onnx::ModelProto m = int8Dense();
  const std::string scale = node(m, kQ).input(1);
  float s;
  std::memcpy(&s, init(m, scale).raw_data().data(), sizeof s);
  const std::vector<float> doubled{2 * s};
  addInit(m, "other_scale", onnx::TensorProto_DataType_FLOAT, {},
          std::string(reinterpret_cast<const char*>(doubled.data()), sizeof(float)));
  node(m, kDq).set_input(1, "other_scale");
  expectViolation(m, {kDq, "scale", kQ});
}

TEST(EngineLint, QuantizeFeedingSomethingElse) {
  onnx::ModelProto m = int8Dense();
  node(m, kLayer).set_input(0, node(m, kQ).output(0));  // the conv reads the Q output directly
  expectViolation(m, {kQ, "feeds Conv '" + kLayer + "'", "instead of a DequantizeLinear"});
}

TEST(EngineLint, ZeroPointsMustBeInt8Zeros) {
  onnx::ModelProto m = int8Dense();
  init(m, node(m, kQ).input(2)).set_raw_data(std::string(1, '\x03'));
  expectViolation(m, {kQ, "zero point", "not all 0"});

  m = int8Dense();
  init(m, node(m, kWdq).input(2)).set_data_type(onnx::TensorProto_DataType_UINT8);
  expectViolation(m, {kWdq, "UINT8", "INT8 zero points"});

  m = int8Dense();
  node(m, kQ).mutable_input()->RemoveLast();
  expectViolation(m, {kQ, "no zero point", "UINT8"});
}

TEST(EngineLint, ScalesMustBePositiveAndFinite) {
  for (const float bad : {0.0f, -0.5f, std::nanf(""), INFINITY}) {
    onnx::ModelProto m = int8Dense();
    setFloats(init(m, node(m, kQ).input(1)), {bad});
    expectViolation(m, {kQ, node(m, kQ).input(1), "positive and finite"});
  }
  onnx::ModelProto m = int8Dense();
  addNode(m, "Identity", "scale_from_a_node", {node(m, kQ).input(1)}, "computed_scale");
  node(m, kQ).set_input(1, "computed_scale");
  expectViolation(m, {kQ, "computed_scale", "not a constant"});
}

TEST(EngineLint, Int8ConstantsOnlyBeforeDequantize) {
  onnx::ModelProto m = int8Dense();
  const std::string int8Weight = node(m, kWdq).input(0);
  node(m, kLayer).set_input(1, int8Weight);  // the int8 weight straight into the conv
  expectViolation(m, {"INT8 constant '" + int8Weight + "'", "Conv '" + kLayer + "'",
                      "Int8 constant is only allowed before DQ node"});
}

TEST(EngineLint, NoHalfQuantizedLayers) {
  onnx::ModelProto m = int8Dense();
  node(m, kLayer).set_input(0, node(m, kQ).input(0));  // data bypasses its Q/DQ, weight still dequantized
  expectViolation(m, {"Conv '" + kLayer + "'", "half-quantized", "weight"});

  m = int8Dense();
  const std::string weight = node(m, kWdq).input(0);
  addInit(m, "float_weight", onnx::TensorProto_DataType_FLOAT, {16, 8, 3, 3},
          std::string(16 * 8 * 9 * sizeof(float), '\0'));
  node(m, kLayer).set_input(1, "float_weight");
  expectViolation(m, {"Conv '" + kLayer + "'", "half-quantized", "data input"});
}

TEST(EngineLint, NothingBetweenAConvAndItsRelu) {
  onnx::ModelProto m = int8Dense();
  const std::string reluName = "pts_backbone.blocks.1.2";
  onnx::NodeProto& relu = node(m, reluName);
  const std::string convOut = relu.input(0);
  const std::string scale = node(m, kQ).input(1), zero = node(m, kQ).input(2);
  addNode(m, "QuantizeLinear", "extra_q", {convOut, scale, zero}, "extra_q_out");
  addNode(m, "DequantizeLinear", "extra_dq", {"extra_q_out", scale, zero}, "extra_dq_out");
  node(m, reluName).set_input(0, "extra_dq_out");
  expectViolation(m, {"extra_q", "extra_dq", "Conv '" + kLayer + "'", "Relu '" + reluName + "'"});
}

TEST(EngineLint, NoQdqOnGraphOutputs) {
  onnx::ModelProto m = int8Dense();
  const std::string out = m.graph().output(0).name();  // heatmap, written by its concat
  for (auto& n : *m.mutable_graph()->mutable_node())
    for (auto& o : *n.mutable_output())
      if (o == out) o = out + "_before";
  const std::string scale = node(m, kQ).input(1), zero = node(m, kQ).input(2);
  addNode(m, "QuantizeLinear", "out_q", {out + "_before", scale, zero}, "out_q_out");
  addNode(m, "DequantizeLinear", "out_dq", {"out_q_out", scale, zero}, out);
  expectViolation(m, {"graph output '" + out + "'", "out_dq"});
}

TEST(EngineLint, PerChannelAxisAndScaleLength) {
  onnx::ModelProto m = int8Dense();
  setAxis(node(m, kWdq), 4);  // the weight is rank 4
  expectViolation(m, {kWdq, "axis 4", "out of range", "rank 4"});

  m = int8Dense();
  setAxis(node(m, kWdq), 1);  // 16 output-channel scales, but the weight has 8 input channels
  expectViolation(m, {kWdq, "16 values", "8 along axis 1"});
}

// On a square C -> C conv the scale length fits either axis: only the op type says axis 1 is wrong.
TEST(EngineLint, WeightScalesMustBeAlongTheOutputChannelAxis) {
  onnx::ModelProto m = int8Dense();
  std::string square;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() != "Conv" || n.name().rfind("pts_backbone.blocks.", 0) != 0) continue;
    const std::string wdq = n.name() + "._weight_quantizer.DequantizeLinear";
    bool quantized = false;
    for (const auto& d : m.graph().node()) quantized = quantized || d.name() == wdq;
    if (!quantized) continue;  // the first block stays float
    const auto& w = init(m, node(m, wdq).input(0));
    if (w.dims(0) == w.dims(1)) {
      square = n.name();
      break;
    }
  }
  ASSERT_FALSE(square.empty()) << "the tiny SECOND has no square conv";
  const std::string wdq = square + "._weight_quantizer.DequantizeLinear";
  EXPECT_TRUE(engineLint(m).empty());
  setAxis(node(m, wdq), 1);
  expectViolation(m, {wdq, "axis 1", "output channel", "axis 0"});
}

}  // namespace
}  // namespace cpq
