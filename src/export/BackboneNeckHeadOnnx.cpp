#include "export/BackboneNeckHeadOnnx.h"

#include <map>
#include <stdexcept>

#include "core/Error.h"
#include "core/TorchCompat.h"
#include "export/AutowareYAxisReference.h"
#include "export/IoPrecision.h"
#include "export/OnnxGraphBuilder.h"
#include "export/QdqOnnx.h"
#include "model/BatchNormFolding.h"
#include "quant/QuantLayers.h"

namespace cpq {

namespace {

// The one stride / padding value of a square conv; the builders emit symmetric attributes only.
template <typename Options>
void requireSquare(const Options& o, const std::string& name) {
  const auto& s = *o.stride();
  const auto& d = *o.dilation();
  if (s[0] != s[1] || d[0] != 1 || d[1] != 1 || o.groups() != 1) {
    throw std::logic_error("ONNX export: " + name + " has an unsupported stride/dilation/groups");
  }
}

int64_t paddingOf(const torch::nn::detail::ConvNdOptions<2>& o, const std::string& name) {
  const auto* pad = compat::variantGetIf<torch::ExpandingArray<2>>(o.padding());
  if (!pad || (**pad)[0] != (**pad)[1])
    throw std::logic_error("ONNX export: " + name + " needs a symmetric numeric padding");
  return (**pad)[0];
}

// The weight and bias a conv followed by `bn` computes: its own when fusion already folded the BN into it
// (a folded BN is the identity; the layer then has a bias), else folded here. A quantized layer must come
// folded: its weight amax was computed on the weight it quantizes, not on a weight folded afterwards.
template <typename FoldFn>
FoldedLayer weightsWithBatchNorm(const at::Tensor& weight, const at::Tensor& bias, bool hasBias,
                                 const torch::nn::BatchNorm2dImpl& bn, bool int8, const std::string& name,
                                 FoldFn fold) {
  const auto* foldable = dynamic_cast<const FoldableNorm*>(&bn);
  if (foldable && foldable->isFolded()) {
    if (!bias.defined()) throw std::logic_error("ONNX export: " + name + " has a folded BN but no bias");
    return {weight.detach().contiguous(), bias.detach().contiguous()};
  }
  if (int8) {
    throw Error(name +
                ": quantized, but the BatchNorm after it is not folded (quantization.fusion.fuse_bn off); "
                "its weight amax belongs to the unfolded weight, which TensorRT never runs: fuse BN before "
                "calibrating");
  }
  return fold(weight, hasBias ? std::optional<at::Tensor>(bias) : std::nullopt, batchNormParams(bn));
}

// A Conv2d as a graph node: float (weight and bias initializers), or with Q/DQ on its data input and an int8
// weight when `int8`. `yAxisBranch` (Autoware layout): the weight's output channels are reordered (and
// negated for rot) as AutowareYAxisReference does; `bias` is passed already transformed. A quantized weight
// is quantized in the model's layout (its amax is per model channel) and reordered afterwards.
std::string convLayer(OnnxGraphBuilder& g, const std::string& x, const torch::nn::Conv2dImpl& conv,
                      QuantLayer* quant, bool int8, const FoldedLayer& wb, const std::string& name,
                      const std::string& weightName, const std::string& biasName,
                      const std::string& output = "", const std::string& yAxisBranch = "") {
  requireSquare(conv.options, name);
  const int64_t stride = (*conv.options.stride())[0], pad = paddingOf(conv.options, name);
  if (!int8) {
    const at::Tensor w = yAxisBranch.empty() ? wb.weight : toYAxisReference(yAxisBranch, wb.weight);
    return g.conv(name, x, {weightName, w}, {biasName, wb.bias}, stride, pad, output);
  }
  const std::string xq = addInputQdq(g, name, x, *quant->inputQuantizer());
  Int8Weight w = int8Weight(wb.weight, *quant->weightQuantizer());
  if (!yAxisBranch.empty()) {
    w.values = toYAxisReference(yAxisBranch, w.values);
    if (w.axis) w.scale = toYAxisReference(yAxisBranch, w.scale).abs();  // a permutation of the scales
  }
  const std::string wq = addWeightDq(g, name, weightName + "_int8", w);
  const std::string b = g.addInitializer({biasName, wb.bias});
  return g.convNode(name, xq, wq, b, {wb.weight.size(2), wb.weight.size(3)}, stride, pad, output);
}

QuantLayer* quantLayerOf(torch::nn::Module& layer) { return dynamic_cast<QuantLayer*>(&layer); }

bool isInt8(QuantLayer* quant, const std::string& name) { return quant && exportsAsInt8(*quant, name); }

// Conv2d -> BN -> ReLU (BN folded); `name` is the conv's AWML name, `reluName` the ReLU node's. The ReLU
// node follows the conv directly whether or not the in-memory model fused it (TensorRT fuses it).
std::string convBnRelu(OnnxGraphBuilder& g, const std::string& x, torch::nn::Conv2dImpl& conv,
                       const torch::nn::BatchNorm2dImpl& bn, const std::string& name,
                       const std::string& reluName) {
  QuantLayer* quant = quantLayerOf(conv);
  const bool int8 = isInt8(quant, name);
  const FoldedLayer f = weightsWithBatchNorm(conv.weight, conv.bias, conv.options.bias(), bn, int8, name,
                                             foldBatchNormIntoConv);
  const std::string y =
      convLayer(g, x, conv, quant, int8, f, name, name + ".weight_folded", name + ".bias_folded");
  return g.relu(reluName, y);
}

std::vector<std::string> backbone(OnnxGraphBuilder& g, SECONDImpl& second, const std::string& input) {
  std::vector<std::string> features;
  std::string x = input;
  for (size_t i = 0; i < second.blocks->size(); ++i) {
    auto& block = *second.blocks[i]->as<torch::nn::Sequential>();
    const std::string p = "pts_backbone.blocks." + std::to_string(i) + ".";
    // Sequential(Conv, BN, ReLU, Conv, BN, ReLU, ...): convs at 0, 3, 6, ...
    for (size_t j = 0; j + 2 < block.size(); j += 3) {
      x = convBnRelu(g, x, *block[j]->as<torch::nn::Conv2d>(), *block[j + 1]->as<torch::nn::BatchNorm2d>(),
                     p + std::to_string(j), p + std::to_string(j + 2));
    }
    features.push_back(x);
  }
  return features;
}

std::string neck(OnnxGraphBuilder& g, SECONDFPNImpl& fpn, const std::vector<std::string>& features) {
  std::vector<std::string> ups;
  for (size_t i = 0; i < fpn.deblocks->size(); ++i) {
    auto& deblock = *fpn.deblocks[i]->as<torch::nn::Sequential>();
    const std::string p = "pts_neck.deblocks." + std::to_string(i) + ".";
    const auto& bn = *deblock[1]->as<torch::nn::BatchNorm2d>();
    if (auto* up = deblock[0]->as<torch::nn::ConvTranspose2d>()) {
      const std::string name = p + "0";
      requireSquare(up->options, name);
      const auto* pad = compat::variantGetIf<torch::ExpandingArray<2>>(up->options.padding());
      if (!pad || (**pad)[0] != 0 || (**pad)[1] != 0)
        throw std::logic_error("ONNX export: " + name + " must have no padding");
      QuantLayer* quant = quantLayerOf(*up);
      const bool int8 = isInt8(quant, name);
      const FoldedLayer f = weightsWithBatchNorm(up->weight, up->bias, up->options.bias(), bn, int8, name,
                                                 foldBatchNormIntoConvTranspose);
      const int64_t stride = (*up->options.stride())[0];
      std::string y;
      if (!int8) {
        y = g.convTranspose(name, features[i], {name + ".weight_folded", f.weight},
                            {name + ".bias_folded", f.bias}, stride);
      } else {
        const std::string xq = addInputQdq(g, name, features[i], *quant->inputQuantizer());
        const std::string wq = addWeightDq(g, name, name + ".weight_folded_int8",
                                           int8Weight(f.weight, *quant->weightQuantizer()));
        const std::string b = g.addInitializer({name + ".bias_folded", f.bias});
        y = g.convTransposeNode(name, xq, wq, b, {f.weight.size(2), f.weight.size(3)}, stride);
      }
      ups.push_back(g.relu(p + "2", y));
    } else {
      ups.push_back(convBnRelu(g, features[i], *deblock[0]->as<torch::nn::Conv2d>(), bn, p + "0", p + "2"));
    }
  }
  return ups.size() == 1 ? ups[0] : g.concat("pts_neck.concat", ups, 1);
}

// One SeparateHead branch: ConvModule x (n - 1), then the final Conv2d with bias (raw, or y-axis reference).
std::string branch(OnnxGraphBuilder& g, torch::nn::Sequential& seq, const std::string& input,
                   const std::string& p, const std::string& branchName, bool autoware,
                   const std::string& output) {
  std::string x = input;
  for (size_t j = 0; j + 1 < seq->size(); ++j) {
    auto* m = seq[j]->as<ConvModule>();
    const std::string name = p + std::to_string(j);
    x = convBnRelu(g, x, *m->conv, *m->bn, name + ".conv", name + ".activate");
  }
  auto& final = *seq[seq->size() - 1]->as<torch::nn::Conv2d>();
  const std::string name = p + std::to_string(seq->size() - 1);
  QuantLayer* quant = quantLayerOf(final);
  const bool int8 = isInt8(quant, name);
  const FoldedLayer wb{final.weight.detach().contiguous(), final.bias.detach().contiguous()};
  if (autoware && changedByYAxisReference(branchName)) {
    const std::string suffix = "_y_axis_reference";
    const FoldedLayer transformed{wb.weight, toYAxisReference(branchName, wb.bias)};
    return convLayer(g, x, final, quant, int8, transformed, name, name + ".weight" + suffix,
                     name + ".bias" + suffix, output, branchName);
  }
  return convLayer(g, x, final, quant, int8, wb, name, name + ".weight", name + ".bias", output);
}

}  // namespace

const std::vector<std::string>& headOutputNames() {
  static const std::vector<std::string> names{"heatmap", "reg", "height", "dim", "rot", "vel"};
  return names;
}

onnx::ModelProto buildBackboneNeckHeadModel(CenterPoint& model, const CenterPointConfig& cfg,
                                            const OnnxExportOptions& options) {
  torch::NoGradGuard noGrad;
  OnnxGraphBuilder g("pts_backbone_neck_head_" + options.name);
  g.addInput("spatial_features", {"batch_size", cfg.backbone.inChannels, cfg.gridSize[1], cfg.gridSize[0]});

  const std::string fused = neck(g, *model->pts_neck, backbone(g, *model->pts_backbone, "spatial_features"));

  auto& head = *model->pts_bbox_head;
  const std::string shared =
      convBnRelu(g, fused, *head.shared_conv->conv, *head.shared_conv->bn, "pts_bbox_head.shared_conv.conv",
                 "pts_bbox_head.shared_conv.activate");
  const size_t numTasks = head.task_heads->size();
  std::map<std::string, std::vector<std::string>> perOutput;  // output name -> one tensor per task
  std::map<std::string, int64_t> channels;
  for (size_t t = 0; t < numTasks; ++t) {
    auto taskHead = head.task_heads[t];
    const std::string p = "pts_bbox_head.task_heads." + std::to_string(t) + ".";
    // SeparateHead registers its branches as reg, height, dim, rot, vel, heatmap.
    for (const auto& child : taskHead->named_children()) {
      const std::string& name = child.key();
      auto seq = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(child.value());
      if (!seq) throw std::logic_error("ONNX export: head branch " + p + name + " is not a Sequential");
      torch::nn::Sequential holder(seq);
      const std::string out = numTasks == 1 ? name : "";  // one task: the final conv writes the graph output
      perOutput[name].push_back(branch(g, holder, shared, p + name + ".", name, options.autoware, out));
      channels[name] += holder[holder->size() - 1]->as<torch::nn::Conv2d>()->options.out_channels();
    }
  }
  for (const auto& name : headOutputNames()) {
    if (!perOutput.count(name)) throw std::logic_error("ONNX export: the head has no " + name + " branch");
    if (numTasks > 1) g.concat("pts_bbox_head." + name + ".concat", perOutput[name], 1, name);
    g.addOutput(name, {"batch_size", channels[name], cfg.headHeight(), cfg.headWidth()});
  }
  onnx::ModelProto m = g.finish();
  applyIoPrecision(m, options);
  return m;
}

}  // namespace cpq
