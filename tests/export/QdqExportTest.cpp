// INT8 Q/DQ export of a fake-quant model: where the QuantizeLinear / DequantizeLinear nodes sit (walking
// every node), their scales and int8 weights against amax computed here, the layers left float, the
// refusals (unsigned, num_bits, unfolded BN, half-done quantization), FP16 graph I/O, and that a model with
// disabled quantizers still exports the float graph byte for byte.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "core/Error.h"
#include "export/BackboneNeckHeadOnnx.h"
#include "export/CenterPointOnnxExport.h"
#include "export/EngineLint.h"
#include "export/OnnxModelCheck.h"
#include "export/QuantizedTinyModel.h"
#include "export/VoxelEncoderOnnx.h"
#include "model/QuantizedCheckpoint.h"
#include "quant/FakeQuantize.h"
#include "support/TempRoot.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;
using testing::QuantSetup;

// ---- reading the graph ----

struct Graph {
  explicit Graph(const onnx::ModelProto& model) : m(model) {
    for (const auto& t : m.graph().initializer()) inits[t.name()] = &t;
    for (const auto& n : m.graph().node()) {
      byName[n.name()] = &n;
      for (const auto& o : n.output()) producers[o] = &n;
      for (const auto& i : n.input()) consumers[i].push_back(&n);
    }
  }
  const onnx::NodeProto* node(const std::string& name) const {
    const auto it = byName.find(name);
    return it == byName.end() ? nullptr : it->second;
  }
  const onnx::NodeProto* producer(const std::string& tensor) const {
    const auto it = producers.find(tensor);
    return it == producers.end() ? nullptr : it->second;
  }
  std::vector<const onnx::NodeProto*> consumersOf(const std::string& tensor) const {
    const auto it = consumers.find(tensor);
    return it == consumers.end() ? std::vector<const onnx::NodeProto*>{} : it->second;
  }
  const onnx::TensorProto* init(const std::string& name) const {
    const auto it = inits.find(name);
    return it == inits.end() ? nullptr : it->second;
  }
  int count(const std::string& op) const {
    int c = 0;
    for (const auto& n : m.graph().node()) c += n.op_type() == op;
    return c;
  }
  const onnx::ModelProto& m;
  std::map<std::string, const onnx::TensorProto*> inits;
  std::map<std::string, const onnx::NodeProto*> byName, producers;
  std::map<std::string, std::vector<const onnx::NodeProto*>> consumers;
};

at::Tensor tensorOf(const onnx::TensorProto& t) {
  std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
  const bool int8 = t.data_type() == onnx::TensorProto_DataType_INT8;
  EXPECT_TRUE(int8 || t.data_type() == onnx::TensorProto_DataType_FLOAT) << t.name();
  at::Tensor out = at::empty(dims, int8 ? at::kChar : at::kFloat);
  EXPECT_EQ(t.raw_data().size(), static_cast<size_t>(out.numel() * out.element_size())) << t.name();
  std::memcpy(out.data_ptr(), t.raw_data().data(), t.raw_data().size());
  return out;
}

std::optional<int64_t> axisAttr(const onnx::NodeProto& n) {
  for (const auto& a : n.attribute())
    if (a.name() == "axis") return a.i();
  return std::nullopt;
}

// amax / 127 as float32 division per value, 1.0 for a dead amax: the scale as docs/export_int8.md states it.
at::Tensor expectedScale(const at::Tensor& amax) {
  const at::Tensor a = amax.detach().to(at::kFloat).contiguous().reshape({-1});
  at::Tensor s = at::empty_like(a);
  for (int64_t i = 0; i < a.numel(); ++i) {
    const float v = a.data_ptr<float>()[i];
    s.data_ptr<float>()[i] = v <= std::ldexp(1.0f, -24) ? 1.0f : v / 127.0f;
  }
  return s;
}

// round_half_even(w * (127 / amax)) clamped to [-127, 127], 0 on dead channels; amax broadcast as stored.
at::Tensor expectedInt8(const at::Tensor& w, const at::Tensor& amax) {
  const at::Tensor a = amax.detach().to(at::kFloat);
  const at::Tensor q = at::clamp(at::round(w.detach() * at::div(at::scalar_tensor(127.0f), a)), -127, 127);
  return at::where(a <= std::ldexp(1.0, -24), at::zeros_like(q), q).to(at::kChar);
}

std::string bytes(const onnx::ModelProto& m) {
  std::string s;
  EXPECT_TRUE(m.SerializeToString(&s));
  return s;
}

struct Built {
  onnx::ModelProto encoder, dense;
};

Built build(CenterPoint& model, const CenterPointConfig& cfg, const OnnxExportOptions& o = {}) {
  return {buildVoxelEncoderModel(model, cfg, o), buildBackboneNeckHeadModel(model, cfg, o)};
}

// The node that runs a layer: Conv / ConvTranspose named as the layer, the PFN MatMul as its Linear.
const onnx::NodeProto* layerNode(const Graph& g, const std::string& name) { return g.node(name); }

// Everything placement means for one quantized layer; `weightAxis` is the DQ axis expected in the graph.
void expectQuantizedLayer(const Graph& g, const std::string& name, QuantLayer& layer,
                          std::optional<int64_t> weightAxis) {
  SCOPED_TRACE(name);
  const onnx::NodeProto* n = layerNode(g, name);
  ASSERT_NE(n, nullptr);
  // Data input: exactly one Q -> DQ pair, named after the layer's input quantizer, one shared scale / zero
  // point.
  const onnx::NodeProto* dq = g.producer(n->input(0));
  ASSERT_NE(dq, nullptr);
  EXPECT_EQ(dq->op_type(), "DequantizeLinear");
  EXPECT_EQ(dq->name(), name + "._input_quantizer.DequantizeLinear");
  const onnx::NodeProto* q = g.producer(dq->input(0));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->op_type(), "QuantizeLinear");
  EXPECT_EQ(q->name(), name + "._input_quantizer.QuantizeLinear");
  EXPECT_EQ(g.consumersOf(q->output(0)).size(), 1u);
  EXPECT_EQ(g.consumersOf(dq->output(0)).size(), 1u) << "the DQ output feeds only this layer";
  const onnx::NodeProto* before = g.producer(q->input(0));
  if (before) {
    EXPECT_NE(before->op_type(), "DequantizeLinear") << "two pairs in a row";
    EXPECT_NE(before->op_type(), "QuantizeLinear");
  }
  EXPECT_EQ(q->input(1), dq->input(1));
  EXPECT_EQ(q->input(2), dq->input(2));
  const at::Tensor inScale = tensorOf(*g.init(q->input(1)));
  EXPECT_EQ(inScale.dim(), 0);
  const float inAmax = layer.inputQuantizer()->amax().item<float>();
  EXPECT_EQ(inScale.item<float>(), inAmax / 127.0f) << "scale must be amax / 127 in float32, exactly";
  const at::Tensor zp = tensorOf(*g.init(q->input(2)));
  EXPECT_EQ(zp.scalar_type(), at::kChar);
  EXPECT_EQ(zp.dim(), 0);
  EXPECT_EQ(zp.item<int>(), 0);
  EXPECT_FALSE(axisAttr(*q).has_value());

  // Weight: an INT8 initializer through one DequantizeLinear, per channel along the output axis.
  const onnx::NodeProto* wdq = g.producer(n->input(1));
  ASSERT_NE(wdq, nullptr);
  EXPECT_EQ(wdq->op_type(), "DequantizeLinear");
  EXPECT_EQ(wdq->name(), name + "._weight_quantizer.DequantizeLinear");
  const onnx::TensorProto* wInit = g.init(wdq->input(0));
  ASSERT_NE(wInit, nullptr) << "the weight DQ reads an initializer";
  EXPECT_EQ(wInit->data_type(), onnx::TensorProto_DataType_INT8);
  EXPECT_EQ(axisAttr(*wdq), weightAxis);
  const at::Tensor values = tensorOf(*wInit);
  const at::Tensor wScale = tensorOf(*g.init(wdq->input(1)));
  const at::Tensor wZero = tensorOf(*g.init(wdq->input(2)));
  const at::Tensor amax = layer.weightQuantizer()->amax();
  EXPECT_TRUE(at::equal(wScale, weightAxis ? expectedScale(amax) : expectedScale(amax).reshape({})));
  EXPECT_TRUE(at::equal(wZero, at::zeros(wScale.sizes(), at::kChar)));
  at::Tensor expected = expectedInt8(layer.layerWeight(), amax);
  if (layer.layerType() == "Linear") expected = expected.t();  // MatMul takes [in, out]
  EXPECT_TRUE(at::equal(values, expected));
  EXPECT_LE(values.abs().max().item<int>(), 127);
  // Dequantized, the weight is the fake-quant model's weight (up to q * s against q / (1 / s)).
  at::Tensor fq = fakeQuantize(layer.layerWeight().detach(), amax, 8, false, true);
  if (layer.layerType() == "Linear") fq = fq.t();
  std::vector<int64_t> shape(static_cast<size_t>(values.dim()), 1);
  if (weightAxis) shape[static_cast<size_t>(*weightAxis)] = -1;
  EXPECT_TRUE(at::allclose(values.to(at::kFloat) * wScale.reshape(shape), fq, 1e-6, 1e-12));

  // Bias stays float; nothing quantized after the layer.
  if (n->input_size() > 2) {
    EXPECT_EQ(g.init(n->input(2))->data_type(), onnx::TensorProto_DataType_FLOAT);
  }
  for (const auto* c : g.consumersOf(n->output(0))) EXPECT_NE(c->op_type(), "QuantizeLinear");
}

void expectFloatLayer(const Graph& g, const std::string& name) {
  SCOPED_TRACE(name);
  const onnx::NodeProto* n = layerNode(g, name);
  ASSERT_NE(n, nullptr);
  for (int k = 0; k < n->input_size(); ++k) {
    const auto* p = g.producer(n->input(k));
    if (p) {
      EXPECT_NE(p->op_type(), "DequantizeLinear") << n->input(k);
    }
  }
  const auto* w = g.init(n->input(1));
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->data_type(), onnx::TensorProto_DataType_FLOAT);
}

// Every conv node whose output goes to a Relu feeds that Relu directly and nothing else.
void expectRelusFollowTheirConvs(const Graph& g) {
  for (const auto& n : g.m.graph().node()) {
    if (n.op_type() != "Relu") continue;
    const auto* p = g.producer(n.input(0));
    ASSERT_NE(p, nullptr);
    EXPECT_TRUE(p->op_type() == "Conv" || p->op_type() == "ConvTranspose" || p->op_type() == "Add")
        << n.name() << " follows " << p->op_type();
    EXPECT_EQ(g.consumersOf(p->output(0)).size(), 1u) << p->name();
  }
}

std::optional<int64_t> graphWeightAxis(const QuantLayer& layer) {
  const auto& axis = layer.weightQuantizer()->descriptor().axis;
  if (!axis) return std::nullopt;
  return layer.layerType() == "Linear" ? 1 - *axis : *axis;
}

// Walks both graphs: the quantized layers of the model are exactly the layers with Q/DQ.
void expectPlacement(CenterPoint& model, const Built& b, size_t expectedQuantized) {
  const Graph enc(b.encoder), dense(b.dense);
  std::set<std::string> quantized;
  for (const auto& [name, layer] : quantizedLayers(*model)) {
    quantized.insert(name);
    const Graph& g = name.rfind("pts_voxel_encoder", 0) == 0 ? enc : dense;
    expectQuantizedLayer(g, name, *layer, graphWeightAxis(*layer));
  }
  EXPECT_EQ(quantized.size(), expectedQuantized);
  for (const auto& [name, layer] : quantCapableLayers(*model)) {
    if (quantized.count(name)) continue;
    expectFloatLayer(name.rfind("pts_voxel_encoder", 0) == 0 ? enc : dense, name);
  }
  // Nothing else quantized: one Q and two DQ per quantized layer, one int8 initializer each.
  int q = 0, dq = 0, int8 = 0;
  for (const Graph* g : {&enc, &dense}) {
    q += g->count("QuantizeLinear");
    dq += g->count("DequantizeLinear");
    for (const auto& t : g->m.graph().initializer()) {
      const bool zeroPoint =
          t.name().size() > 11 && t.name().compare(t.name().size() - 11, 11, ".zero_point") == 0;
      int8 += t.data_type() == onnx::TensorProto_DataType_INT8 && !zeroPoint;
    }
    expectRelusFollowTheirConvs(*g);
    for (const auto& out : g->m.graph().output()) {
      const auto* p = g->producer(out.name());
      ASSERT_NE(p, nullptr);
      EXPECT_NE(p->op_type(), "DequantizeLinear") << out.name();
      EXPECT_NE(p->op_type(), "QuantizeLinear") << out.name();
    }
  }
  EXPECT_EQ(q, static_cast<int>(expectedQuantized));
  EXPECT_EQ(dq, 2 * static_cast<int>(expectedQuantized));
  EXPECT_EQ(int8, static_cast<int>(expectedQuantized));
}

void expectValidAndEngineReady(const Built& b) {
  EXPECT_NO_THROW(checkOnnxModel(b.encoder, "encoder"));
  EXPECT_NO_THROW(checkOnnxModel(b.dense, "dense"));
  EXPECT_EQ(engineLint(b.encoder), std::vector<std::string>{});
  EXPECT_EQ(engineLint(b.dense), std::vector<std::string>{});
}

// Tiny config: 2 PFN linears; SECOND 1 + 2 + 2 = ... convs: blocks (1+1) + (1+2) + (1+2) = 8; neck 3
// (conv, 1x1 conv, deconv); head shared conv + 2 tasks x 6 branches x 2 convs = 25.
constexpr size_t kTinyLayers = 2 + 8 + 3 + 25;
constexpr size_t kTinyBlock0Convs = 2;

TEST(QdqPlacement, EveryQuantizedLayerHasOnePairOnItsDataInputAndAnInt8Weight) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = testing::fusedModelWithQuantizers(cfg, 3, QuantSetup{});
  testing::setFixedAmax(model);
  // A dead channel: amax 0 gives scale 1.0 and int8 zeros there.
  auto* dead = quantizedLayers(*model).front().second;
  at::Tensor amax = dead->weightQuantizer()->amax().clone();
  amax[1].fill_(0.0f);
  dead->weightQuantizer()->setAmax(amax);
  const Built b = build(model, cfg);
  expectValidAndEngineReady(b);
  expectPlacement(model, b, kTinyLayers - 2 - kTinyBlock0Convs);
  const Graph dense(b.dense);
  const std::string deadName = quantizedLayers(*model).front().first;
  EXPECT_EQ(deadName, "pts_backbone.blocks.1.0");
  const auto* wdq = dense.producer(dense.node(deadName)->input(1));
  EXPECT_EQ(tensorOf(*dense.init(wdq->input(1)))[1].item<float>(), 1.0f);
  EXPECT_EQ(tensorOf(*dense.init(wdq->input(0)))[1].abs().max().item<int>(), 0);
  // The ConvTranspose is per-tensor by default: a scalar scale and no axis.
  const auto* up = dense.producer(dense.node("pts_neck.deblocks.2.0")->input(1));
  EXPECT_EQ(tensorOf(*dense.init(up->input(1))).dim(), 0);
  EXPECT_FALSE(axisAttr(*up).has_value());
}

TEST(QdqPlacement, QuantizedVoxelEncoderHasPerColumnMatMulWeightScales) {
  const CenterPointConfig cfg = testing::tinyConfig();
  QuantSetup s;
  s.skip = {};
  s.foldVoxelEncoderBn = true;
  CenterPoint model = testing::fusedModelWithQuantizers(cfg, 4, s);
  testing::setFixedAmax(model);
  const Built b = build(model, cfg);
  expectValidAndEngineReady(b);
  expectPlacement(model, b, kTinyLayers);
  const Graph enc(b.encoder);
  std::vector<std::string> ops;
  for (const auto& n : b.encoder.graph().node()) ops.push_back(n.op_type());
  EXPECT_EQ(ops, (std::vector<std::string>{"QuantizeLinear", "DequantizeLinear", "DequantizeLinear", "MatMul",
                                           "Add", "Relu", "ReduceMax", "Shape", "Expand", "Concat",
                                           "QuantizeLinear", "DequantizeLinear", "DequantizeLinear", "MatMul",
                                           "Add", "Relu", "ReduceMax"}));
  const auto* wdq = enc.producer(enc.node("pts_voxel_encoder.pfn_layers.0.linear")->input(1));
  EXPECT_EQ(axisAttr(*wdq), 1);
  EXPECT_EQ(tensorOf(*enc.init(wdq->input(0))).sizes(), (at::IntArrayRef{11, 16}));  // [in, out]
  EXPECT_EQ(tensorOf(*enc.init(wdq->input(1))).sizes(), (at::IntArrayRef{16}));
}

TEST(QdqPlacement, ConvTransposePerChannelUsesAxisOne) {
  const CenterPointConfig cfg = testing::tinyConfig();
  QuantSetup s;
  s.convTransposeAxis = 1;
  CenterPoint model = testing::fusedModelWithQuantizers(cfg, 5, s);
  testing::setFixedAmax(model);
  const Built b = build(model, cfg);
  expectValidAndEngineReady(b);
  expectPlacement(model, b, kTinyLayers - 2 - kTinyBlock0Convs);
  const Graph dense(b.dense);
  const auto* wdq = dense.producer(dense.node("pts_neck.deblocks.2.0")->input(1));
  EXPECT_EQ(axisAttr(*wdq), 1);
  EXPECT_EQ(tensorOf(*dense.init(wdq->input(1))).sizes(), (at::IntArrayRef{8}));
}

TEST(QdqPlacement, AutowareLayoutReordersQuantizedDimAndRotRowsWithTheirScales) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = testing::fusedModelWithQuantizers(cfg, 6, QuantSetup{});
  testing::setFixedAmax(model);
  OnnxExportOptions aw;
  aw.autoware = true;
  const Built plain = build(model, cfg), b = build(model, cfg, aw);
  expectValidAndEngineReady(b);
  const Graph gp(plain.dense), ga(b.dense);
  for (const std::string branch : {"dim", "rot"}) {
    const std::string name = "pts_bbox_head.task_heads.1." + branch + ".1";
    const auto* dp = gp.producer(gp.node(name)->input(1));
    const auto* da = ga.producer(ga.node(name)->input(1));
    EXPECT_EQ(da->input(0), name + ".weight_y_axis_reference_int8");
    const at::Tensor wp = tensorOf(*gp.init(dp->input(0))), wa = tensorOf(*ga.init(da->input(0)));
    const at::Tensor sp = tensorOf(*gp.init(dp->input(1))), sa = tensorOf(*ga.init(da->input(1)));
    const at::Tensor order =
        branch == "dim" ? at::tensor({1, 0, 2}, at::kLong) : at::tensor({1, 0}, at::kLong);
    const at::Tensor sign = at::scalar_tensor(branch == "rot" ? -1 : 1, at::kChar);
    EXPECT_TRUE(at::equal(wa, wp.index_select(0, order) * sign)) << branch;
    EXPECT_TRUE(at::equal(sa, sp.index_select(0, order))) << branch;
    EXPECT_TRUE((sa > 0).all().item<bool>());
  }
}

TEST(QdqExport, DisabledQuantizersExportTheFloatGraphByteForByte) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint plain = makeRandomCenterPoint(cfg, 8);
  plain->eval();
  QuantSetup s;
  s.skip = {};
  CenterPoint fused = testing::fusedModelWithQuantizers(cfg, 8, s);
  testing::setFixedAmax(fused);
  setQuantizerStates(*fused, QuantizerState::Disabled);
  const Built a = build(plain, cfg), b = build(fused, cfg);
  EXPECT_TRUE(bytes(a.encoder) == bytes(b.encoder));
  EXPECT_TRUE(bytes(a.dense) == bytes(b.dense));
  EXPECT_EQ(Graph(b.dense).count("QuantizeLinear"), 0);
  EXPECT_EQ(engineLint(a.dense), std::vector<std::string>{});
}

TEST(QdqExport, QuantizedLayerWithAnUnfoldedBatchNormIsRefused) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 9);
  model->eval();
  QuantizerPlan r;
  r.input = QuantDescriptor::activation(CalibrationMethod::Max);
  r.skipPrefixes = {"pts_voxel_encoder", "pts_backbone.blocks.0"};
  insertQuantizers(*model, r);  // no BN fusion
  testing::setFixedAmax(model);
  try {
    buildBackboneNeckHeadModel(model, cfg, {});
    ADD_FAILURE() << "not refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pts_backbone.blocks.1.0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not folded"), std::string::npos) << e.what();
  }
}

class QdqRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = cpq::testing::tempRoot() / ("cpq_qdq_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // exportCenterPointOnnx must throw cpq::Error containing every `words`, and leave no folder behind.
  void expectRefused(CenterPoint& model, const std::vector<std::string>& words) {
    const CenterPointConfig cfg = testing::tinyConfig();
    const std::string out = (dir_ / "out").string();
    try {
      exportCenterPointOnnx(model, cfg, out, {}, false);
      ADD_FAILURE() << "not refused";
    } catch (const Error& e) {
      for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(out)) << "nothing may be written";
  }
  fs::path dir_;
};

TEST_F(QdqRefusal, UnsignedQuantizerIsRefusedAndNothingWritten) {
  QuantSetup s;
  s.input.isUnsigned = true;
  CenterPoint model = testing::fusedModelWithQuantizers(testing::tinyConfig(), 1, s);
  testing::setFixedAmax(model);
  expectRefused(model, {"pts_backbone.blocks.1.0._input_quantizer", "unsigned", "signed INT8"});
}

TEST_F(QdqRefusal, NonEightBitQuantizerIsRefusedAndNothingWritten) {
  QuantSetup s;
  s.input.numBits = 4;
  CenterPoint model = testing::fusedModelWithQuantizers(testing::tinyConfig(), 1, s);
  testing::setFixedAmax(model);
  expectRefused(model, {"pts_backbone.blocks.1.0._input_quantizer", "num_bits 4", "signed INT8"});
}

TEST_F(QdqRefusal, HalfQuantizedOrCalibratingLayersAreRefused) {
  CenterPoint model = testing::fusedModelWithQuantizers(testing::tinyConfig(), 1, QuantSetup{});
  testing::setFixedAmax(model);
  QuantLayer* layer = nullptr;
  for (const auto& [name, l] : quantizedLayers(*model))
    if (name == "pts_neck.deblocks.1.0") layer = l;
  ASSERT_NE(layer, nullptr);
  layer->weightQuantizer()->disable();
  expectRefused(model, {"pts_neck.deblocks.1.0", "both inputs"});
  layer->weightQuantizer()->enableCalibration();
  expectRefused(model, {"pts_neck.deblocks.1.0", "still calibrating"});
}

TEST_F(QdqRefusal, BadAmaxIsRefused) {
  CenterPoint model = testing::fusedModelWithQuantizers(testing::tinyConfig(), 1, QuantSetup{});
  testing::setFixedAmax(model);
  auto* layer = quantizedLayers(*model).back().second;
  EXPECT_THROW(layer->inputQuantizer()->setAmax(at::scalar_tensor(std::nanf(""), at::kFloat)), Error);
  // Written in place (as an optimizer step on a learnable amax would), the export still refuses it.
  {
    torch::NoGradGuard g;
    layer->inputQuantizer()->amax().fill_(std::nanf(""));
  }
  expectRefused(model, {quantizedLayers(*model).back().first, "finite"});
}

TEST(QdqExport, Fp16InputsAndOutputsAreCastInside) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = testing::fusedModelWithQuantizers(cfg, 2, QuantSetup{});
  testing::setFixedAmax(model);
  OnnxExportOptions o;
  o.inputPrecision = IoPrecision::Fp16;
  o.outputPrecision = IoPrecision::Fp16;
  const Built b = build(model, cfg, o), fp32 = build(model, cfg);
  expectValidAndEngineReady(b);
  for (const auto* m : {&b.encoder, &b.dense}) {
    ASSERT_GT(m->graph().node_size(), 2);
    for (const auto& v : m->graph().input()) {
      EXPECT_EQ(v.type().tensor_type().elem_type(), onnx::TensorProto_DataType_FLOAT16) << v.name();
      EXPECT_EQ(m->graph().node(0).op_type(), "Cast");
      EXPECT_EQ(m->graph().node(0).input(0), v.name());
    }
    for (const auto& v : m->graph().output()) {
      EXPECT_EQ(v.type().tensor_type().elem_type(), onnx::TensorProto_DataType_FLOAT16) << v.name();
      const auto* p = Graph(*m).producer(v.name());
      ASSERT_NE(p, nullptr);
      EXPECT_EQ(p->op_type(), "Cast");
      EXPECT_EQ(p->attribute(0).i(), onnx::TensorProto_DataType_FLOAT16);
    }
  }
  EXPECT_EQ(b.dense.graph().node_size(), fp32.dense.graph().node_size() + 1 + 6);
  // Input only / output only.
  OnnxExportOptions in;
  in.inputPrecision = IoPrecision::Fp16;
  const Built bi = build(model, cfg, in);
  EXPECT_EQ(bi.dense.graph().input(0).type().tensor_type().elem_type(), onnx::TensorProto_DataType_FLOAT16);
  EXPECT_EQ(bi.dense.graph().output(0).type().tensor_type().elem_type(), onnx::TensorProto_DataType_FLOAT);
  EXPECT_NO_THROW(checkOnnxModel(bi.dense, "dense"));
}

TEST(QdqExport, QuantizedExportIsDeterministic) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint a = testing::fusedModelWithQuantizers(cfg, 2, QuantSetup{});
  CenterPoint b = testing::fusedModelWithQuantizers(cfg, 2, QuantSetup{});
  testing::setFixedAmax(a);
  testing::setFixedAmax(b);
  const Built x = build(a, cfg), y = build(b, cfg);
  EXPECT_TRUE(bytes(x.dense) == bytes(y.dense));
  EXPECT_TRUE(bytes(x.encoder) == bytes(y.encoder));
  std::set<std::string> names;
  for (const auto& t : x.dense.graph().initializer()) EXPECT_TRUE(names.insert(t.name()).second) << t.name();
}

// ---- one meaning of a dead amax, finite weights ----

// A layer whose input saw only zeros (amax 0) stays float in the fake-quant model, in a reloaded
// checkpoint and in the Q/DQ export. Before, the model output 0 there while the export wrote scale 1.0,
// so TensorRT would have passed round(x).
TEST(DeadAmax, LayerWithADeadInputStaysFloatInModelCheckpointAndExport) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = testing::fusedModelWithQuantizers(cfg, 3, QuantSetup{});
  testing::setFixedAmax(model);
  const auto layers = quantizedLayers(*model);
  const auto [deadName, dead] = layers.front();
  const auto [liveName, live] = layers.back();
  dead->inputQuantizer()->setAmax(at::zeros({}, at::kFloat));
  setQuantizerStates(*model, QuantizerState::Quantizing);
  EXPECT_EQ(dead->inputQuantizer()->state(), QuantizerState::Disabled);
  EXPECT_EQ(dead->weightQuantizer()->state(), QuantizerState::Disabled);
  EXPECT_EQ(live->inputQuantizer()->state(), QuantizerState::Quantizing);

  const Built b = build(model, cfg);
  expectValidAndEngineReady(b);
  const Graph dense(b.dense);
  const onnx::NodeProto* n = dense.node(deadName);
  ASSERT_NE(n, nullptr);
  const onnx::NodeProto* in = dense.producer(n->input(0));
  EXPECT_TRUE(in == nullptr || in->op_type() != "DequantizeLinear") << deadName;
  ASSERT_NE(dense.init(n->input(1)), nullptr);  // the float weight itself, no DQ in front
  EXPECT_EQ(dense.init(n->input(1))->data_type(), onnx::TensorProto_DataType_FLOAT);
  const onnx::NodeProto* liveIn = dense.producer(dense.node(liveName)->input(0));
  ASSERT_NE(liveIn, nullptr);
  EXPECT_EQ(liveIn->op_type(), "DequantizeLinear");

  const fs::path dir = testing::tempRoot() / ("cpq_dead_amax_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  saveQuantizedCheckpoint(model, (dir / "q.safetensors").string(), {});
  CenterPoint loaded = loadQuantizedCenterPoint(cfg, (dir / "q.safetensors").string());
  for (const auto& [name, layer] : quantizedLayers(*loaded)) {
    const bool quantizing = layer->inputQuantizer()->state() == QuantizerState::Quantizing;
    EXPECT_EQ(quantizing, name != deadName) << name;
  }
  fs::remove_all(dir);

  // Enabled by hand, the export refuses it rather than write a scale that changes the output.
  dead->inputQuantizer()->enableQuantization();
  dead->weightQuantizer()->enableQuantization();
  try {
    build(model, cfg);
    FAIL() << "exported a dead input";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(deadName + "._input_quantizer"), std::string::npos) << e.what();
  }
}

// A NaN weight used to reach an undefined float -> int8 conversion; now the export names the layer.
TEST(QdqRefusals, NonFiniteWeightIsRefusedBeforeInt8Conversion) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = testing::fusedModelWithQuantizers(cfg, 3, QuantSetup{});
  testing::setFixedAmax(model);
  const auto [name, layer] = quantizedLayers(*model)[1];
  {
    torch::NoGradGuard g;
    at::Tensor w = layer->layerWeight();
    w.view({-1})[3].fill_(std::nan(""));
  }
  try {
    build(model, cfg);
    FAIL() << "exported a NaN weight";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cpq
