#include "export/BackboneNeckHeadOnnx.h"

#include <map>
#include <stdexcept>

#include "core/TorchCompat.h"
#include "export/AutowareYAxisReference.h"
#include "export/BatchNormFolding.h"
#include "export/OnnxGraphBuilder.h"

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
  if (!pad || (**pad)[0] != (**pad)[1]) throw std::logic_error("ONNX export: " + name + " needs a symmetric numeric padding");
  return (**pad)[0];
}

// Conv2d -> BN -> ReLU with the BN folded; `name` is the conv's AWML name, `reluName` the ReLU node's.
std::string convBnRelu(OnnxGraphBuilder& g, const std::string& x, const torch::nn::Conv2dImpl& conv,
                       const torch::nn::BatchNorm2dImpl& bn, const std::string& name, const std::string& reluName) {
  requireSquare(conv.options, name);
  const std::optional<at::Tensor> bias = conv.options.bias() ? std::optional<at::Tensor>(conv.bias) : std::nullopt;
  const FoldedLayer f = foldBatchNormIntoConv(conv.weight, bias, batchNormParams(bn));
  const std::string y = g.conv(name, x, {name + ".weight_folded", f.weight}, {name + ".bias_folded", f.bias},
                               (*conv.options.stride())[0], paddingOf(conv.options, name));
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
    if (const auto* up = deblock[0]->as<torch::nn::ConvTranspose2d>()) {
      requireSquare(up->options, p + "0");
      const auto* pad = compat::variantGetIf<torch::ExpandingArray<2>>(up->options.padding());
      if (!pad || (**pad)[0] != 0 || (**pad)[1] != 0) throw std::logic_error("ONNX export: " + p + "0 must have no padding");
      const std::optional<at::Tensor> bias = up->options.bias() ? std::optional<at::Tensor>(up->bias) : std::nullopt;
      const FoldedLayer f = foldBatchNormIntoConvTranspose(up->weight, bias, batchNormParams(bn));
      const std::string y = g.convTranspose(p + "0", features[i], {p + "0.weight_folded", f.weight},
                                            {p + "0.bias_folded", f.bias}, (*up->options.stride())[0]);
      ups.push_back(g.relu(p + "2", y));
    } else {
      ups.push_back(convBnRelu(g, features[i], *deblock[0]->as<torch::nn::Conv2d>(), bn, p + "0", p + "2"));
    }
  }
  return ups.size() == 1 ? ups[0] : g.concat("pts_neck.concat", ups, 1);
}

// One SeparateHead branch: ConvModule x (n - 1), then the final Conv2d with bias (raw, or y-axis reference).
std::string branch(OnnxGraphBuilder& g, torch::nn::Sequential& seq, const std::string& input, const std::string& p,
                   const std::string& branchName, bool autoware, const std::string& output) {
  std::string x = input;
  for (size_t j = 0; j + 1 < seq->size(); ++j) {
    auto* m = seq[j]->as<ConvModule>();
    const std::string name = p + std::to_string(j);
    x = convBnRelu(g, x, *m->conv, *m->bn, name + ".conv", name + ".activate");
  }
  const auto& final = *seq[seq->size() - 1]->as<torch::nn::Conv2d>();
  requireSquare(final.options, p);
  const std::string name = p + std::to_string(seq->size() - 1);
  at::Tensor weight = final.weight.detach().contiguous(), bias = final.bias.detach().contiguous();
  std::string suffix;
  if (autoware && changedByYAxisReference(branchName)) {
    weight = toYAxisReference(branchName, weight);
    bias = toYAxisReference(branchName, bias);
    suffix = "_y_axis_reference";
  }
  return g.conv(name, x, {name + ".weight" + suffix, weight}, {name + ".bias" + suffix, bias},
                (*final.options.stride())[0], paddingOf(final.options, name), output);
}

}  // namespace

const std::vector<std::string>& headOutputNames() {
  static const std::vector<std::string> names{"heatmap", "reg", "height", "dim", "rot", "vel"};
  return names;
}

onnx::ModelProto buildBackboneNeckHeadModel(CenterPoint& model, const CenterPointConfig& cfg, const OnnxExportOptions& options) {
  torch::NoGradGuard noGrad;
  OnnxGraphBuilder g("pts_backbone_neck_head_" + options.name);
  g.addInput("spatial_features", {"batch_size", cfg.backbone.inChannels, cfg.gridSize[1], cfg.gridSize[0]});

  const std::string fused = neck(g, *model->pts_neck, backbone(g, *model->pts_backbone, "spatial_features"));

  auto& head = *model->pts_bbox_head;
  const std::string shared = convBnRelu(g, fused, *head.shared_conv->conv, *head.shared_conv->bn,
                                        "pts_bbox_head.shared_conv.conv", "pts_bbox_head.shared_conv.activate");
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
  return g.finish();
}

}  // namespace cpq
