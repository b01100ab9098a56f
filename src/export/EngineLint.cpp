#include "export/EngineLint.h"

#include <onnx/defs/schema.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>

namespace cpq {

namespace {

const char* const kQ = "QuantizeLinear";
const char* const kDq = "DequantizeLinear";

bool isQdq(const onnx::NodeProto& n) { return n.op_type() == kQ || n.op_type() == kDq; }
bool isWeightedLayer(const std::string& op) {
  return op == "Conv" || op == "ConvTranspose" || op == "MatMul" || op == "Gemm";
}

std::string label(const onnx::NodeProto& n) {
  return n.op_type() + " '" +
         (n.name().empty() ? (n.output_size() ? n.output(0) : std::string("?")) : n.name()) + "'";
}

// The values of a constant tensor as doubles (float32, int8, uint8); nullopt for other types.
std::optional<std::vector<double>> valuesOf(const onnx::TensorProto& t) {
  int64_t count = 1;
  for (int64_t d : t.dims()) count *= d;
  std::vector<double> v;
  v.reserve(static_cast<size_t>(count));
  const std::string& raw = t.raw_data();
  if (t.data_type() == onnx::TensorProto_DataType_FLOAT) {
    if (t.has_raw_data()) {
      if (raw.size() != static_cast<size_t>(count) * sizeof(float)) return std::nullopt;
      for (int64_t i = 0; i < count; ++i) {
        float f;
        std::memcpy(&f, raw.data() + i * sizeof(float), sizeof(float));  // little-endian, as ONNX stores it
        v.push_back(f);
      }
    } else {
      for (float f : t.float_data()) v.push_back(f);
    }
  } else if (t.data_type() == onnx::TensorProto_DataType_INT8 ||
             t.data_type() == onnx::TensorProto_DataType_UINT8) {
    const bool isSigned = t.data_type() == onnx::TensorProto_DataType_INT8;
    if (t.has_raw_data()) {
      if (raw.size() != static_cast<size_t>(count)) return std::nullopt;
      for (char c : raw)
        v.push_back(isSigned ? static_cast<double>(static_cast<int8_t>(c)) : static_cast<uint8_t>(c));
    } else {
      for (int32_t x : t.int32_data()) v.push_back(x);
    }
  } else {
    return std::nullopt;
  }
  if (v.size() != static_cast<size_t>(count)) return std::nullopt;
  return v;
}

std::string typeName(int32_t type) {
  return onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(type));
}

std::string formatValue(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

class Linter {
 public:
  explicit Linter(const onnx::ModelProto& model) : model_(model), g_(model.graph()) {
    for (const auto& t : g_.initializer()) constants_[t.name()] = &t;
    for (int i = 0; i < g_.node_size(); ++i) {
      const auto& n = g_.node(i);
      for (const auto& out : n.output()) producer_[out] = i;
      for (int k = 0; k < n.input_size(); ++k)
        if (!n.input(k).empty()) consumers_[n.input(k)].push_back({i, k});
      if (n.op_type() == "Constant") {
        for (const auto& a : n.attribute())
          if (a.name() == "value" && a.has_t() && n.output_size() == 1) constants_[n.output(0)] = &a.t();
      }
    }
    collectShapes();
  }

  std::vector<std::string> run() {
    checkOpset();
    for (const auto& n : g_.node()) {
      if (isQdq(n)) checkQdqParameters(n);
      if (n.op_type() == kQ) checkQuantizeIsFollowedByDequantize(n);
      if (isWeightedLayer(n.op_type())) {
        checkBothOrNeitherQuantized(n);
        checkWeightScaleAxis(n);
      }
      if (n.op_type() == "Relu") checkNothingBetweenLayerAndRelu(n);
    }
    checkInt8Constants();
    checkOutputs();
    return violations_;
  }

 private:
  void add(const std::string& v) { violations_.push_back(v); }

  const onnx::NodeProto* producerOf(const std::string& tensor) const {
    const auto it = producer_.find(tensor);
    return it == producer_.end() ? nullptr : &g_.node(it->second);
  }
  const onnx::TensorProto* constantOf(const std::string& tensor) const {
    const auto it = constants_.find(tensor);
    return it == constants_.end() ? nullptr : it->second;
  }
  bool fromOp(const std::string& tensor, const char* op) const {
    const auto* p = producerOf(tensor);
    return p && p->op_type() == op;
  }

  // Ranks and dims (-1 unknown) of every tensor ONNX shape inference can type; initializers by their dims.
  void collectShapes() {
    onnx::ModelProto copy = model_;
    try {
      onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance());
    } catch (const std::exception&) {
      // Partial shapes are fine: rules that need a rank skip tensors without one.
    }
    auto record = [&](const onnx::ValueInfoProto& v) {
      if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape()) return;
      std::vector<int64_t> dims;
      for (const auto& d : v.type().tensor_type().shape().dim())
        dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
      shapes_[v.name()] = dims;
    };
    for (const auto& v : copy.graph().input()) record(v);
    for (const auto& v : copy.graph().value_info()) record(v);
    for (const auto& v : copy.graph().output()) record(v);
    for (const auto& [name, t] : constants_)
      shapes_[name] = std::vector<int64_t>(t->dims().begin(), t->dims().end());
  }

  void checkOpset() {
    for (const auto& o : model_.opset_import()) {
      if (!o.domain().empty() && o.domain() != "ai.onnx") continue;
      if (o.version() < 13) {
        add("opset " + std::to_string(o.version()) +
            " < 13: per-channel QuantizeLinear/DequantizeLinear (axis) need opset 13 or later");
      }
      return;
    }
    add("the model imports no default-domain opset");
  }

  static int64_t axisOf(const onnx::NodeProto& n) {
    for (const auto& a : n.attribute())
      if (a.name() == "axis") return a.i();
    return 1;  // the ONNX default
  }

  void checkQdqParameters(const onnx::NodeProto& n) {
    const std::string who = label(n);
    if (n.input_size() < 2 || n.input(1).empty()) {
      add(who + " has no scale");
      return;
    }
    const std::string& scaleName = n.input(1);
    const onnx::TensorProto* scale = constantOf(scaleName);
    if (!scale) {
      add(who + ": scale '" + scaleName + "' is not a constant (TensorRT needs build-time scales)");
    } else if (scale->data_type() != onnx::TensorProto_DataType_FLOAT) {
      add(who + ": scale '" + scaleName + "' is " + typeName(scale->data_type()) + ", not FLOAT");
    } else if (scale->dims_size() > 1) {
      add(who + ": scale '" + scaleName + "' has rank " + std::to_string(scale->dims_size()) +
          "; it must be a scalar or 1-D");
    } else if (const auto v = valuesOf(*scale); !v) {
      add(who + ": scale '" + scaleName + "' cannot be read");
    } else {
      for (double s : *v) {
        if (!(std::isfinite(s) && s > 0)) {
          add(who + ": scale '" + scaleName + "' holds " + formatValue(s) +
              "; scales must be positive and finite");
          break;
        }
      }
    }

    const bool hasZeroPoint = n.input_size() >= 3 && !n.input(2).empty();
    if (!hasZeroPoint) {
      if (n.op_type() == kQ) {
        add(who + " has no zero point: its output would be UINT8; TensorRT needs an INT8 zero point 0");
      } else {
        const onnx::TensorProto* x = constantOf(n.input(0));
        const bool int8Input =
            fromOp(n.input(0), kQ) || (x && x->data_type() == onnx::TensorProto_DataType_INT8);
        if (!int8Input)
          add(who + " has no zero point and its input '" + n.input(0) + "' is not known to be INT8");
      }
    } else {
      const std::string& zpName = n.input(2);
      const onnx::TensorProto* zp = constantOf(zpName);
      if (!zp) {
        add(who + ": zero point '" + zpName + "' is not a constant");
      } else if (zp->data_type() != onnx::TensorProto_DataType_INT8) {
        add(who + ": zero point '" + zpName + "' is " + typeName(zp->data_type()) +
            "; TensorRT takes INT8 zero points only");
      } else {
        const auto v = valuesOf(*zp);
        bool zero = v.has_value();
        if (v)
          for (double z : *v) zero = zero && z == 0;
        if (!zero)
          add(who + ": zero point '" + zpName + "' is not all 0; TensorRT takes symmetric quantization only");
        if (scale && (zp->dims_size() != scale->dims_size() ||
                      !std::equal(zp->dims().begin(), zp->dims().end(), scale->dims().begin()))) {
          add(who + ": zero point '" + zpName + "' and scale '" + scaleName + "' differ in shape");
        }
      }
    }

    if (scale && scale->dims_size() == 1) checkAxis(n, *scale);
  }

  void checkAxis(const onnx::NodeProto& n, const onnx::TensorProto& scale) {
    const auto it = shapes_.find(n.input(0));
    if (it == shapes_.end()) return;  // unknown rank: nothing to check against
    const std::vector<int64_t>& dims = it->second;
    const int64_t rank = static_cast<int64_t>(dims.size());
    const int64_t axis = axisOf(n);
    const int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      add(label(n) + ": axis " + std::to_string(axis) + " is out of range for '" + n.input(0) + "' of rank " +
          std::to_string(rank));
      return;
    }
    const int64_t dim = dims[static_cast<size_t>(a)];
    if (dim >= 0 && dim != scale.dims(0)) {
      add(label(n) + ": scale '" + n.input(1) + "' has " + std::to_string(scale.dims(0)) + " values but '" +
          n.input(0) + "' has " + std::to_string(dim) + " along axis " + std::to_string(axis));
    }
  }

  // Same scale, zero point and axis: the same constants, or constants with the same values.
  bool sameConstant(const std::string& a, const std::string& b) const {
    if (a == b) return true;
    const auto* ta = constantOf(a);
    const auto* tb = constantOf(b);
    if (!ta || !tb || ta->data_type() != tb->data_type() || ta->dims_size() != tb->dims_size() ||
        !std::equal(ta->dims().begin(), ta->dims().end(), tb->dims().begin())) {
      return false;
    }
    return valuesOf(*ta) == valuesOf(*tb);
  }

  static std::string inputOr(const onnx::NodeProto& n, int k) { return n.input_size() > k ? n.input(k) : ""; }

  void checkQuantizeIsFollowedByDequantize(const onnx::NodeProto& q) {
    if (q.output_size() == 0) return;
    const auto it = consumers_.find(q.output(0));
    if (it == consumers_.end()) {
      add(label(q) + ": its output '" + q.output(0) + "' feeds no DequantizeLinear");
      return;
    }
    for (const auto& [index, slot] : it->second) {
      const auto& c = g_.node(index);
      if (c.op_type() != kDq || slot != 0) {
        add(label(q) + " feeds " + label(c) + " instead of a DequantizeLinear");
        continue;
      }
      const bool sameScale = sameConstant(inputOr(q, 1), inputOr(c, 1));
      const std::string zq = inputOr(q, 2), zd = inputOr(c, 2);
      const bool sameZero = zq.empty() || zd.empty() ? zq == zd : sameConstant(zq, zd);
      const auto* s = constantOf(inputOr(q, 1));
      const bool perChannel = s && s->dims_size() == 1;
      const bool sameAxis = !perChannel || axisOf(q) == axisOf(c);
      if (!sameScale || !sameZero || !sameAxis) {
        add(label(c) + " does not use the " +
            std::string(!sameScale  ? "scale"
                        : !sameZero ? "zero point"
                                    : "axis") +
            " of " + label(q) + " (a Q/DQ pair must be identical)");
      }
    }
  }

  // The output-channel axis of a layer's weight: Conv [Cout, Cin/g, k...] 0, ConvTranspose [Cin, Cout/g,
  // k...] 1, MatMul [K, N] its last axis, Gemm 0 with transB = 1 else 1. A per-channel weight scale along
  // any other axis is wrong even where the lengths happen to match (a square C -> C conv).
  static int64_t outputChannelAxis(const onnx::NodeProto& n, int64_t rank) {
    if (n.op_type() == "Conv") return 0;
    if (n.op_type() == "ConvTranspose") return 1;
    if (n.op_type() == "MatMul") return rank - 1;
    for (const auto& a : n.attribute())
      if (a.name() == "transB") return a.i() != 0 ? 0 : 1;
    return 1;  // Gemm without transB
  }

  void checkWeightScaleAxis(const onnx::NodeProto& n) {
    if (n.input_size() < 2) return;
    const onnx::NodeProto* dq = producerOf(n.input(1));
    if (!dq || dq->op_type() != kDq || dq->input_size() < 2) return;
    const onnx::TensorProto* scale = constantOf(dq->input(1));
    if (!scale || scale->dims_size() != 1) return;  // per-tensor: no axis
    int64_t rank = -1;
    if (const onnx::TensorProto* w = constantOf(dq->input(0))) rank = w->dims_size();
    const auto it = shapes_.find(dq->input(0));
    if (rank < 0 && it != shapes_.end()) rank = static_cast<int64_t>(it->second.size());
    if (rank <= 0) return;
    const int64_t axis = axisOf(*dq), a = axis < 0 ? axis + rank : axis;
    const int64_t expected = outputChannelAxis(n, rank);
    if (a != expected) {
      add(label(*dq) + ": per-channel weight scales along axis " + std::to_string(axis) + ", but " +
          label(n) + " takes them per output channel (axis " + std::to_string(expected) + " of its " +
          n.op_type() + " weight)");
    }
  }

  void checkBothOrNeitherQuantized(const onnx::NodeProto& n) {
    if (n.input_size() < 2) return;
    const bool data = fromOp(n.input(0), kDq), weight = fromOp(n.input(1), kDq);
    if (data == weight) return;
    add(label(n) + " is half-quantized: its " +
        (data ? "data input '" + n.input(0) + "'" : "weight '" + n.input(1) + "'") +
        " comes from a DequantizeLinear but its " +
        (data ? "weight '" + n.input(1) + "'" : "data input '" + n.input(0) + "'") +
        " does not (TensorRT needs both or neither quantized)");
  }

  // The conv-like layer a tensor comes from: a Conv / ConvTranspose / MatMul / Gemm, or a bias Add after one.
  const onnx::NodeProto* layerProducing(const std::string& tensor) const {
    const auto* p = producerOf(tensor);
    if (!p) return nullptr;
    if (isWeightedLayer(p->op_type())) return p;
    if (p->op_type() == "Add") {
      for (const auto& in : p->input()) {
        const auto* q = producerOf(in);
        if (q && isWeightedLayer(q->op_type())) return q;
      }
    }
    return nullptr;
  }

  void checkNothingBetweenLayerAndRelu(const onnx::NodeProto& relu) {
    if (relu.input_size() == 0) return;
    const auto* dq = producerOf(relu.input(0));
    if (!dq || dq->op_type() != kDq || dq->input_size() == 0) return;
    const auto* q = producerOf(dq->input(0));
    if (!q || q->op_type() != kQ || q->input_size() == 0) return;
    if (const auto* layer = layerProducing(q->input(0))) {
      add(label(*q) + " and " + label(*dq) + " sit between " + label(*layer) + " and its " + label(relu) +
          ": TensorRT fuses a conv with its ReLU only when nothing sits between them");
    }
  }

  void checkInt8Constants() {
    for (const auto& [name, t] : constants_) {
      if (t->data_type() != onnx::TensorProto_DataType_INT8) continue;
      const auto it = consumers_.find(name);
      if (it == consumers_.end()) continue;
      for (const auto& [index, slot] : it->second) {
        const auto& c = g_.node(index);
        const bool dqData = c.op_type() == kDq && slot == 0;
        const bool zeroPoint = isQdq(c) && slot == 2;
        if (!dqData && !zeroPoint) {
          add("INT8 constant '" + name + "' feeds " + label(c) + " (input " + std::to_string(slot) +
              "): Int8 constant is only allowed before DQ node");
        }
      }
    }
  }

  void checkOutputs() {
    for (const auto& out : g_.output()) {
      const auto* p = producerOf(out.name());
      std::string through;
      if (p && p->op_type() == "Cast" && p->input_size() > 0) {
        through = " through " + label(*p);
        p = producerOf(p->input(0));
      }
      if (p && isQdq(*p)) {
        add("graph output '" + out.name() + "' comes out of " + label(*p) + through +
            ": nothing is quantized on outputs");
      }
    }
  }

  const onnx::ModelProto& model_;
  const onnx::GraphProto& g_;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<std::pair<int, int>>> consumers_;
  std::map<std::string, std::vector<int64_t>> shapes_;
  std::vector<std::string> violations_;
};

}  // namespace

std::vector<std::string> engineLint(const onnx::ModelProto& model) { return Linter(model).run(); }

void requireEngineReady(const onnx::ModelProto& model, const std::string& what) {
  const std::vector<std::string> v = engineLint(model);
  if (v.empty()) return;
  std::string msg = what + ": the exported graph breaks TensorRT's explicit-quantization rules:";
  for (const auto& line : v) msg += "\n  " + line;
  throw std::logic_error(msg);
}

}  // namespace cpq
