// The two exported graphs: names, order, shapes and symbolic dims of docs/onnx_export.md, the ONNX checker
// and strict shape inference, folded and y-axis-reference weights, and byte-for-byte determinism.
#include <gtest/gtest.h>
#include <onnx/checker.h>

#include <cstring>

#include "config/CenterPointConfig.h"
#include "export/BackboneNeckHeadOnnx.h"
#include "export/OnnxModelCheck.h"
#include "export/VoxelEncoderOnnx.h"
#include "model/BatchNormFolding.h"
#include "model/CenterPoint.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

at::Tensor initializer(const onnx::ModelProto& m, const std::string& name) {
  for (const auto& t : m.graph().initializer()) {
    if (t.name() != name) continue;
    EXPECT_EQ(t.data_type(), onnx::TensorProto_DataType_FLOAT) << name;
    std::vector<int64_t> dims(t.dims().begin(), t.dims().end());
    at::Tensor out = at::empty(dims, at::kFloat);
    EXPECT_EQ(t.raw_data().size(), static_cast<size_t>(out.numel()) * sizeof(float)) << name;
    std::memcpy(out.data_ptr<float>(), t.raw_data().data(), t.raw_data().size());
    return out;
  }
  ADD_FAILURE() << "no initializer " << name;
  return at::Tensor();
}

std::vector<std::string> namesOf(const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& values) {
  std::vector<std::string> names;
  for (const auto& v : values) names.push_back(v.name());
  return names;
}

std::vector<std::string> shapesOf(const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& values) {
  std::vector<std::string> shapes;
  for (const auto& v : values) shapes.push_back(describeShape(v.type()));
  return shapes;
}

std::string bytes(const onnx::ModelProto& m) {
  std::string s;
  EXPECT_TRUE(m.SerializeToString(&s));
  return s;
}

struct Exported {
  onnx::ModelProto encoder, dense;
};

Exported exportBoth(const CenterPointConfig& cfg, uint64_t seed, bool autoware = false) {
  CenterPoint model = makeRandomCenterPoint(cfg, seed);
  model->eval();
  OnnxExportOptions o;
  o.autoware = autoware;
  return {buildVoxelEncoderModel(model, cfg, o), buildBackboneNeckHeadModel(model, cfg, o)};
}

void expectValid(const Exported& e) {
  EXPECT_NO_THROW(checkOnnxModel(e.encoder, "encoder"));
  EXPECT_NO_THROW(checkOnnxModel(e.dense, "dense"));
  for (const auto* m : {&e.encoder, &e.dense}) {
    EXPECT_EQ(m->ir_version(), 8);
    ASSERT_EQ(m->opset_import_size(), 1);
    EXPECT_EQ(m->opset_import(0).domain(), "");
    EXPECT_EQ(m->opset_import(0).version(), 17);
    EXPECT_EQ(m->producer_name(), "centerpoint-quant");
  }
}

const std::vector<std::string> kHeadOutputs{"heatmap", "reg", "height", "dim", "rot", "vel"};

TEST(OnnxGraphs, TinyConfigWithTwoTasks) {
  const CenterPointConfig cfg = testing::tinyConfig();
  const Exported e = exportBoth(cfg, 3);
  expectValid(e);
  EXPECT_EQ(namesOf(e.encoder.graph().input()), std::vector<std::string>{"input_features"});
  EXPECT_EQ(shapesOf(e.encoder.graph().input()), std::vector<std::string>{"[num_voxels, max_points, 11]"});
  EXPECT_EQ(namesOf(e.encoder.graph().output()), std::vector<std::string>{"pillar_features"});
  EXPECT_EQ(shapesOf(e.encoder.graph().output()), std::vector<std::string>{"[num_voxels, 1, 32]"});
  EXPECT_EQ(namesOf(e.dense.graph().input()), std::vector<std::string>{"spatial_features"});
  EXPECT_EQ(shapesOf(e.dense.graph().input()), std::vector<std::string>{"[batch_size, 32, 32, 32]"});
  EXPECT_EQ(namesOf(e.dense.graph().output()), kHeadOutputs);
  // Two tasks (3 + 2 classes): each output is both tasks' channels.
  EXPECT_EQ(shapesOf(e.dense.graph().output()),
            (std::vector<std::string>{"[batch_size, 5, 16, 16]", "[batch_size, 4, 16, 16]",
                                      "[batch_size, 2, 16, 16]", "[batch_size, 6, 16, 16]",
                                      "[batch_size, 4, 16, 16]", "[batch_size, 4, 16, 16]"}));
  EXPECT_EQ(headOutputNames(), kHeadOutputs);
}

TEST(OnnxGraphs, DemoConfig) {
  const CenterPointConfig cfg = loadConfig(std::string(CPQ_SOURCE_DIR) + "/configs/demo.yaml");
  const Exported e = exportBoth(cfg, 1);
  expectValid(e);
  EXPECT_EQ(shapesOf(e.encoder.graph().input()), std::vector<std::string>{"[num_voxels, max_points, 11]"});
  EXPECT_EQ(shapesOf(e.dense.graph().input()), std::vector<std::string>{"[batch_size, 32, 320, 320]"});
  EXPECT_EQ(namesOf(e.dense.graph().output()), kHeadOutputs);
  EXPECT_EQ(shapesOf(e.dense.graph().output()),
            (std::vector<std::string>{"[batch_size, 5, 160, 160]", "[batch_size, 2, 160, 160]",
                                      "[batch_size, 1, 160, 160]", "[batch_size, 3, 160, 160]",
                                      "[batch_size, 2, 160, 160]", "[batch_size, 2, 160, 160]"}));
}

TEST(OnnxGraphs, LegacyNineFeatureConfig) {
  const CenterPointConfig cfg =
      loadConfig(std::string(CPQ_SOURCE_DIR) + "/configs/awml/centerpoint_legacy_760.yaml");
  const Exported e = exportBoth(cfg, 1);
  expectValid(e);
  EXPECT_EQ(shapesOf(e.encoder.graph().input()), std::vector<std::string>{"[num_voxels, max_points, 9]"});
  EXPECT_EQ(shapesOf(e.encoder.graph().output()), std::vector<std::string>{"[num_voxels, 1, 32]"});
  EXPECT_EQ(shapesOf(e.dense.graph().input()), std::vector<std::string>{"[batch_size, 32, 760, 760]"});
  EXPECT_EQ(shapesOf(e.dense.graph().output())[0], "[batch_size, 5, 760, 760]");
}

TEST(OnnxGraphs, TenFeatureEncoder) {
  const CenterPointConfig cfg = testing::tinyConfig(4);
  const Exported e = exportBoth(cfg, 2);
  expectValid(e);
  EXPECT_EQ(shapesOf(e.encoder.graph().input()), std::vector<std::string>{"[num_voxels, max_points, 10]"});
}

TEST(OnnxGraphs, EncoderLayersAreFoldedMatMulsWithTransposedWeights) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 5);
  model->eval();
  const onnx::ModelProto m = buildVoxelEncoderModel(model, cfg, {});
  std::vector<std::string> ops;
  for (const auto& n : m.graph().node()) ops.push_back(n.op_type());
  EXPECT_EQ(ops, (std::vector<std::string>{"MatMul", "Add", "Relu", "ReduceMax", "Shape", "Expand", "Concat",
                                           "MatMul", "Add", "Relu", "ReduceMax"}));
  for (int i = 0; i < 2; ++i) {
    auto* layer = model->pts_voxel_encoder->pfn_layers[i]->as<PFNLayer>();
    const FoldedLayer f =
        foldBatchNormIntoLinear(layer->linear->weight, std::nullopt, batchNormParams(*layer->norm));
    const std::string p = "pts_voxel_encoder.pfn_layers." + std::to_string(i) + ".linear.";
    const at::Tensor w = initializer(m, p + "weight_folded");
    EXPECT_EQ(w.sizes(),
              (at::IntArrayRef{layer->linear->weight.size(1), layer->linear->weight.size(0)}));  // [in, out]
    EXPECT_TRUE(at::equal(w, f.weight.t()));
    EXPECT_TRUE(at::equal(initializer(m, p + "bias_folded"), f.bias));
  }
  for (const auto& n : m.graph().node()) {
    if (n.op_type() != "ReduceMax") continue;
    ASSERT_EQ(n.attribute_size(), 2);
    EXPECT_EQ(n.attribute(0).name(), "axes");
    EXPECT_EQ(n.attribute(0).ints(0), 1);
    EXPECT_EQ(n.attribute(1).name(), "keepdims");
    EXPECT_EQ(n.attribute(1).i(), 1);
  }
}

TEST(OnnxGraphs, DenseGraphHasFoldedConvsSeparateRelusAndNoBatchNorm) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 6);
  model->eval();
  const onnx::ModelProto m = buildBackboneNeckHeadModel(model, cfg, {});
  std::map<std::string, int> count;
  for (const auto& n : m.graph().node()) ++count[n.op_type()];
  EXPECT_EQ(count["BatchNormalization"], 0);
  EXPECT_EQ(count["Sigmoid"], 0);
  EXPECT_EQ(count["Exp"], 0);
  EXPECT_EQ(count["ConvTranspose"], 1);
  // SECOND 3+1+2+2... : (1+1)+(1+2)+(1+2) = 8 convs, neck 2 convs, shared 1, per task 6 branches x 2 convs.
  EXPECT_EQ(count["Conv"], 8 + 2 + 1 + 2 * 6 * 2);
  EXPECT_EQ(count["Relu"], 8 + 3 + 1 + 2 * 6);
  EXPECT_EQ(count["Concat"], 1 + 6);  // the neck, and one per output for the two tasks

  auto& block = *model->pts_backbone->blocks[0]->as<torch::nn::Sequential>();
  const FoldedLayer conv = foldBatchNormIntoConv(block[0]->as<torch::nn::Conv2d>()->weight, std::nullopt,
                                                 batchNormParams(*block[1]->as<torch::nn::BatchNorm2d>()));
  EXPECT_TRUE(at::equal(initializer(m, "pts_backbone.blocks.0.0.weight_folded"), conv.weight));
  EXPECT_TRUE(at::equal(initializer(m, "pts_backbone.blocks.0.0.bias_folded"), conv.bias));

  auto& deblock = *model->pts_neck->deblocks[2]->as<torch::nn::Sequential>();
  const FoldedLayer up =
      foldBatchNormIntoConvTranspose(deblock[0]->as<torch::nn::ConvTranspose2d>()->weight, std::nullopt,
                                     batchNormParams(*deblock[1]->as<torch::nn::BatchNorm2d>()));
  EXPECT_TRUE(at::equal(initializer(m, "pts_neck.deblocks.2.0.weight_folded"), up.weight));
  EXPECT_TRUE(at::equal(initializer(m, "pts_neck.deblocks.2.0.bias_folded"), up.bias));

  const auto params = model->named_parameters();
  EXPECT_TRUE(at::equal(initializer(m, "pts_bbox_head.task_heads.1.heatmap.1.weight"),
                        params["pts_bbox_head.task_heads.1.heatmap.1.weight"]));
  EXPECT_TRUE(at::equal(initializer(m, "pts_bbox_head.task_heads.1.heatmap.1.bias"),
                        params["pts_bbox_head.task_heads.1.heatmap.1.bias"]));
  // Every folded conv gets its BN's shift as a bias; initializer names are unique.
  std::set<std::string> names;
  for (const auto& t : m.graph().initializer()) EXPECT_TRUE(names.insert(t.name()).second) << t.name();
}

TEST(OnnxGraphs, AutowareLayoutTransformsOnlyTheFinalDimAndRotConvs) {
  const CenterPointConfig cfg = testing::tinyConfig();
  const Exported plain = exportBoth(cfg, 7, false);
  const Exported aw = exportBoth(cfg, 7, true);
  EXPECT_NO_THROW(checkOnnxModel(aw.dense, "autoware dense"));
  EXPECT_TRUE(bytes(plain.encoder) == bytes(aw.encoder));
  for (int t = 0; t < 2; ++t) {
    const std::string p = "pts_bbox_head.task_heads." + std::to_string(t) + ".";
    for (const char* part : {"weight", "bias"}) {
      const at::Tensor dim = initializer(plain.dense, p + "dim.1." + part);
      const at::Tensor dimAw = initializer(aw.dense, p + "dim.1." + part + "_y_axis_reference");
      EXPECT_TRUE(at::equal(dimAw[0], dim[1]));  // w
      EXPECT_TRUE(at::equal(dimAw[1], dim[0]));  // l
      EXPECT_TRUE(at::equal(dimAw[2], dim[2]));  // h
      const at::Tensor rot = initializer(plain.dense, p + "rot.1." + part);
      const at::Tensor rotAw = initializer(aw.dense, p + "rot.1." + part + "_y_axis_reference");
      EXPECT_TRUE(at::equal(rotAw[0], -rot[1]));  // -cos
      EXPECT_TRUE(at::equal(rotAw[1], -rot[0]));  // -sin
      for (const char* same : {"reg", "height", "vel", "heatmap"}) {
        const std::string name = p + same + ".1." + part;
        EXPECT_TRUE(at::equal(initializer(plain.dense, name), initializer(aw.dense, name))) << name;
      }
    }
  }
  // Only those initializers differ.
  ASSERT_EQ(plain.dense.graph().initializer_size(), aw.dense.graph().initializer_size());
  int differing = 0;
  for (int i = 0; i < plain.dense.graph().initializer_size(); ++i) {
    if (plain.dense.graph().initializer(i).SerializeAsString() !=
        aw.dense.graph().initializer(i).SerializeAsString())
      ++differing;
  }
  EXPECT_EQ(differing, 2 * 2 * 2);  // tasks x {dim, rot} x {weight, bias}
}

TEST(OnnxGraphs, SameInputsGiveTheSameBytes) {
  const CenterPointConfig cfg = testing::tinyConfig();
  const Exported a = exportBoth(cfg, 11), b = exportBoth(cfg, 11), c = exportBoth(cfg, 12);
  EXPECT_TRUE(bytes(a.encoder) == bytes(b.encoder));
  EXPECT_TRUE(bytes(a.dense) == bytes(b.dense));
  EXPECT_FALSE(bytes(a.dense) == bytes(c.dense));
}

TEST(OnnxGraphs, CheckRejectsAShapeThatDiffersFromTheDeclaredOne) {
  const CenterPointConfig cfg = testing::tinyConfig();
  Exported e = exportBoth(cfg, 1);
  e.dense.mutable_graph()
      ->mutable_output(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(1)
      ->set_dim_value(7);
  EXPECT_THROW(checkOnnxModel(e.dense, "dense"), std::logic_error);
  e.encoder.mutable_graph()->mutable_node(0)->set_op_type("NoSuchOp");
  EXPECT_THROW(checkOnnxModel(e.encoder, "encoder"), std::logic_error);
}

}  // namespace
}  // namespace cpq
