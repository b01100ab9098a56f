#include "export/VoxelEncoderOnnx.h"

#include "export/BatchNormFolding.h"
#include "export/OnnxGraphBuilder.h"

namespace cpq {

onnx::ModelProto buildVoxelEncoderModel(CenterPoint& model, const CenterPointConfig& cfg, const OnnxExportOptions& options) {
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
    const FoldedLayer f = foldBatchNormIntoLinear(layer->linear->weight, std::nullopt, batchNormParams(*layer->norm));
    // ONNX MatMul multiplies x [N, P, in] by [in, out]: the transposed PyTorch weight (AWML's export too).
    std::string h = g.matMul(p + ".linear", x, {p + ".linear.weight_folded", f.weight.t().contiguous()});
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
  return g.finish();
}

}  // namespace cpq
