#include "export/VoxelEncoderOnnx.h"

#include "core/Error.h"
#include "export/IoPrecision.h"
#include "export/OnnxGraphBuilder.h"
#include "export/QdqOnnx.h"
#include "model/BatchNormFolding.h"

namespace cpq {

namespace {

// The Linear's weight [out, in] and bias with the BN after it applied: the layer's own when fusion folded
// the BN already (the layer then has a bias), else folded here. A quantized Linear must come folded (its
// weight amax belongs to the weight it quantizes).
FoldedLayer linearWithBatchNorm(PFNLayerImpl& layer, bool int8, const std::string& name) {
  QuantLinearImpl& linear = *layer.linear;
  if (layer.norm->isFolded()) {
    if (!linear.bias.defined())
      throw std::logic_error("ONNX export: " + name + " has a folded BN but no bias");
    return {linear.weight.detach().contiguous(), linear.bias.detach().contiguous()};
  }
  if (int8) {
    throw Error(name +
                ": quantized, but its BatchNorm1d is not folded (fuse BN with the voxel encoder's BN "
                "folding on before calibrating): its weight amax belongs to the unfolded weight");
  }
  const std::optional<at::Tensor> bias =
      linear.bias.defined() ? std::optional<at::Tensor>(linear.bias) : std::nullopt;
  return foldBatchNormIntoLinear(linear.weight, bias, batchNormParams(*layer.norm));
}

}  // namespace

onnx::ModelProto buildVoxelEncoderModel(CenterPoint& model, const CenterPointConfig& cfg,
                                        const OnnxExportOptions& options) {
  torch::NoGradGuard noGrad;
  OnnxGraphBuilder g("pts_voxel_encoder_" + options.name);
  const int64_t features = cfg.voxelEncoder.featureCount();
  const int64_t channels = cfg.voxelEncoder.featChannels.back();
  // Both leading dims are dynamic: Autoware binds [max_voxel_size, 32, F], our tests feed fewer pillars.
  g.addInput("input_features", {"num_voxels", "max_points", features});

  auto& layers = *model->pts_voxel_encoder->pfn_layers;
  std::string x = "input_features";
  for (size_t i = 0; i < layers.size(); ++i) {
    auto* layer = layers[i]->as<PFNLayer>();
    const std::string p = "pts_voxel_encoder.pfn_layers." + std::to_string(i);
    const std::string name = p + ".linear";
    const bool int8 = exportsAsInt8(*layer->linear, name);
    const FoldedLayer f = linearWithBatchNorm(*layer, int8, name);
    // ONNX MatMul multiplies x [N, P, in] by [in, out]: the transposed PyTorch weight (AWML's export too).
    std::string h;
    if (!int8) {
      h = g.matMul(name, x, {name + ".weight_folded", f.weight.t().contiguous()});
    } else {
      // Q/DQ on the data input; the int8 weight [in, out] per output channel, now axis 1.
      const std::string xq = addInputQdq(g, name, x, *layer->linear->inputQuantizer());
      const Int8Weight w = transposedForMatMul(int8Weight(f.weight, *layer->linear->weightQuantizer()));
      h = g.matMulNode(name, xq, addWeightDq(g, name, name + ".weight_folded_int8", w));
    }
    h = g.addBias(p + ".linear.bias_add", h, {p + ".linear.bias_folded", f.bias});
    h = g.relu(p + ".relu", h);
    if (i + 1 == layers.size()) {
      x = g.reduceMax(p + ".max", h, {1}, /*keepdims=*/true, "pillar_features");
    } else {
      // Padded zero rows are in h like every other row (relu of the folded bias), so they join the max
      // exactly as in the libtorch model. Expand to Shape(h) keeps max_points dynamic.
      const std::string m = g.reduceMax(p + ".max", h, {1}, /*keepdims=*/true);
      const std::string repeated = g.expand(p + ".max_expand", m, g.shape(p + ".shape", h));
      x = g.concat(p + ".concat", {h, repeated}, 2);
    }
  }
  g.addOutput("pillar_features", {"num_voxels", 1, channels});
  onnx::ModelProto m = g.finish();
  applyIoPrecision(m, options);
  return m;
}

}  // namespace cpq
