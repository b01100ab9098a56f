// Quantization on the model: BN / ReLU fusion equivalence per module type, the bias-drop trap, quantizer
// insertion with skip lists, calibration, fake-quant checkpoint and calibration-file round trips.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <filesystem>

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"
#include "core/AtomicFile.h"
#include "core/Error.h"
#include "export/TensorRtCalibrationCache.h"
#include "model/CenterPoint.h"
#include "model/LayerFusion.h"
#include "model/LoadModel.h"
#include "model/PillarFeatureNet.h"
#include "model/QuantizedCheckpoint.h"
#include "ptq/CalibrationFile.h"
#include "ptq/ModelPreparation.h"
#include "quant/CalibrationManager.h"
#include "quant/FakeQuantize.h"
#include "quant/LayerSqnr.h"
#include "quant/QuantInsertion.h"
#include "support/TempRoot.h"

#include <unistd.h>
#include "support/TinyConfig.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

// Non-trivial BN statistics so that folding has something to fold.
template <typename BN>
void randomizeNorm(BN bn, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard g;
  bn->running_mean.copy_(at::randn_like(bn->running_mean) * 0.3);
  bn->running_var.copy_(at::rand_like(bn->running_var) + 0.5);
  bn->weight.copy_(at::rand_like(bn->weight) + 0.5);
  bn->bias.copy_(at::randn_like(bn->bias) * 0.2);
}

// A fresh scratch folder per test.
fs::path scratch(const std::string& name) {
  const fs::path p = testing::tempRoot() / ("cpq_quant_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

TEST(LayerFusion, Conv2dBnReluInASequentialFoldsExactly) {
  torch::manual_seed(1);
  torch::nn::Sequential seq(QuantConv2d(torch::nn::Conv2dOptions(4, 6, 3).padding(1).bias(false)),
                            FoldableBatchNorm2d(torch::nn::BatchNormOptions(6)), FusableReLU());
  randomizeNorm(seq->ptr<FoldableBatchNorm2dImpl>(1), 2);
  seq->eval();
  const at::Tensor x = at::randn({2, 4, 9, 9});
  const at::Tensor before = seq->forward(x);
  const FusionReport r = fuseLayers(*seq, FusionOptions{});
  EXPECT_EQ(r.foldedNorms, std::vector<std::string>{"1"});
  EXPECT_EQ(r.fusedRelus, std::vector<std::string>{"0"});
  EXPECT_LE(maxAbsDiff(seq->forward(x), before), 1e-5);
  const StateDict sd = stateDictOf(*seq);
  EXPECT_TRUE(sd.find("0.bias"));     // the folded shift
  EXPECT_FALSE(sd.find("1.weight"));  // the BN is gone from the state dict
  EXPECT_FALSE(sd.find("1.running_mean"));
}

TEST(LayerFusion, ConvTranspose2dScalesItsWeightOnDimOne) {
  torch::manual_seed(3);
  torch::nn::Sequential seq(
      QuantConvTranspose2d(torch::nn::ConvTranspose2dOptions(4, 6, 2).stride(2).bias(false)),
      FoldableBatchNorm2d(torch::nn::BatchNormOptions(6)), FusableReLU());
  randomizeNorm(seq->ptr<FoldableBatchNorm2dImpl>(1), 4);
  seq->eval();
  const at::Tensor x = at::randn({1, 4, 5, 5});
  const at::Tensor before = seq->forward(x);
  fuseLayers(*seq, FusionOptions{});
  EXPECT_LE(maxAbsDiff(seq->forward(x), before), 1e-5);
}

TEST(LayerFusion, LinearBn1dOfThePfnFoldsOnlyWhenAsked) {
  torch::manual_seed(5);
  PFNLayer layer(11, 32, /*lastLayer=*/true, 1e-3, 0.01);
  randomizeNorm(layer->norm, 6);
  layer->eval();
  const at::Tensor x = at::randn({7, 32, 11});
  const at::Tensor before = layer->forward(x);
  EXPECT_TRUE(fuseLayers(*layer, FusionOptions{}).foldedNorms.empty());  // default: the PFN stays as is
  FusionOptions o;
  o.foldVoxelEncoderBn = true;
  const FusionReport r = fuseLayers(*layer, o);
  EXPECT_EQ(r.foldedNorms, std::vector<std::string>{"norm"});
  EXPECT_LE(maxAbsDiff(layer->forward(x), before), 1e-5);
}

TEST(LayerFusion, WholeModelIsUnchangedAndFusionIsIdempotent) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 7);
  model->eval();
  const at::Tensor x = at::rand({1, 32, cfg.gridSize[1], cfg.gridSize[0]});
  const HeadOutputs before = model->forwardDense(x);
  FusionOptions o;
  o.foldVoxelEncoderBn = true;
  const auto first = fuseLayers(*model, o);
  // 2 PFN layers, backbone 2 + 3 + 3 convs, 3 deblocks, the shared conv, 2 tasks x 6 branches x 1 ConvModule.
  EXPECT_EQ(first.foldedNorms.size(), 2u + 8u + 3u + 1u + 12u);
  EXPECT_TRUE(fuseLayers(*model, o).foldedNorms.empty());
  const HeadOutputs after = model->forwardDense(x);
  for (size_t t = 0; t < before.size(); ++t) {
    EXPECT_LE(maxAbsDiff(after[t].heatmap, before[t].heatmap), 1e-4);
    EXPECT_LE(maxAbsDiff(after[t].reg, before[t].reg), 1e-4);
  }
}

TEST(LayerFusion, FusedWeightsAreRefusedByTheUnfusedModel) {
  const fs::path root = scratch("fusion_trap");
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 8);
  model->eval();
  fuseLayers(*model, FusionOptions{});
  const std::string path = (root / "fused.safetensors").string();
  saveCheckpoint(path, stateDictOf(*model));
  try {
    loadCenterPoint(cfg, path);
    FAIL() << "a BN-folded checkpoint was loaded into the unfused model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("BN folded"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pts_backbone.blocks.0.0.bias"), std::string::npos) << e.what();
  }
}

TEST(QuantInsertion, SkipPrefixesMatchAtDotBoundaries) {
  EXPECT_TRUE(matchesLayerPrefix("pts_backbone.blocks.0.3", "pts_backbone.blocks.0"));
  EXPECT_TRUE(matchesLayerPrefix("pts_backbone.blocks.0", "pts_backbone.blocks.0"));
  EXPECT_FALSE(matchesLayerPrefix("pts_backbone.blocks.01", "pts_backbone.blocks.0"));
  EXPECT_FALSE(matchesLayerPrefix("pts_backbone.blocks.1.0", "pts_backbone.blocks.0"));
  CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), 9);
  QuantizerPlan r;
  r.skipPrefixes = {"pts_voxel_encoder", "pts_backbone.blocks.0"};
  const auto quantized = insertQuantizers(*model, r);
  const size_t all = quantCapableLayers(*model).size();
  // Skipped: 2 PFN linears and the 2 convs of block 0.
  EXPECT_EQ(quantized.size(), all - 4);
  for (const auto& name : quantized) {
    EXPECT_FALSE(matchesLayerPrefix(name, "pts_voxel_encoder")) << name;
    EXPECT_FALSE(matchesLayerPrefix(name, "pts_backbone.blocks.0")) << name;
  }
  // ConvTranspose weights are per-tensor by default, conv weights per output channel.
  for (const auto& [name, layer] : quantizedLayers(*model)) {
    const auto& axis = layer->weightQuantizer()->descriptor().axis;
    if (layer->layerType() == "ConvTranspose2d")
      EXPECT_FALSE(axis.has_value()) << name;
    else
      EXPECT_EQ(axis.value_or(-1), 0) << name;
  }
}

TEST(QuantInsertion, UnknownPrefixIsAnErrorListingTheLayers) {
  CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), 10);
  QuantizerPlan r;
  r.skipPrefixes = {"pts_backbone.block.0"};
  try {
    insertQuantizers(*model, r);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'pts_backbone.block.0' matches no quantizable layer"), std::string::npos) << m;
    EXPECT_NE(m.find("pts_neck.deblocks.2.0"), std::string::npos) << m;
  }
  EXPECT_TRUE(quantizedLayers(*model).empty());  // nothing was inserted
}

// A tiny quantized model calibrated on random canvases, with the frames kept for comparisons.
struct Calibrated {
  CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model{nullptr};
  std::vector<at::Tensor> canvases;
  std::vector<LayerCalibration> layers;

  explicit Calibrated(const std::string& method = "histogram") {
    model = makeRandomCenterPoint(cfg, 11);
    QuantRecipe q;
    if (method == "max") {
      q.calibration = CalibrationMethod::Max;
      q.amax = AmaxMethod::Max;
    }
    q.floatLayers = {"pts_voxel_encoder"};
    prepareForQuantization(model, q);
    torch::manual_seed(12);
    for (int i = 0; i < 3; ++i)
      canvases.push_back(at::relu(at::randn({1, 32, cfg.gridSize[1], cfg.gridSize[0]})) *
                         (at::rand({1, 1, cfg.gridSize[1], cfg.gridSize[0]}) > 0.7));
    CalibrationManager manager(*model);
    manager.begin();
    for (size_t i = 0; i < canvases.size(); ++i) {
      model->forwardDense(canvases[i]);
      manager.endBatch("canvas " + std::to_string(i));
    }
    layers = manager.finish(q.amaxOptions());
  }
};

at::Tensor heatmaps(CenterPoint& model, const at::Tensor& x) {
  torch::NoGradGuard g;
  std::vector<at::Tensor> parts;
  for (auto& t : model->forwardDense(x))
    parts.push_back(at::cat({t.heatmap, t.reg, t.height, t.dim, t.rot, t.vel}, 1));
  return at::cat(parts, 1);
}

TEST(Calibration, EveryQuantizerGetsAnAmaxAndTheModelQuantizes) {
  Calibrated c;
  ASSERT_EQ(c.layers.size(), quantizedLayers(*c.model).size());
  for (const auto& l : c.layers) {
    EXPECT_GT(l.inputAmax, 0) << l.layer;
    // An amax is a bin centre: when later batches grew the histogram (same width, more bins), the last
    // centre can lie up to half a bin above the largest |x|, and a bin is at most 1/2048 of that max (the
    // clang -O1 sanitizer build picked such a centre: 8.21075 for a max of 8.21039).
    EXPECT_LE(l.inputAmax, l.inputStats.maxAbs * (1 + 0.5 / 2048) * (1 + 1e-6)) << l.layer;
    EXPECT_EQ(l.method, "histogram+mse");
  }
  for (const auto& [name, layer] : quantizedLayers(*c.model)) {
    EXPECT_EQ(layer->inputQuantizer()->state(), QuantizerState::Quantizing) << name;
    // Weight amax is the per-channel abs max of the folded weight.
    const at::Tensor w = layer->layerWeight().detach();
    const at::Tensor expected = layer->outputChannelAxis() == 0 ? w.abs().flatten(1).amax(1) : w.abs().max();
    EXPECT_TRUE(at::allclose(layer->weightQuantizer()->amax().flatten(), expected.flatten())) << name;
  }
  // The quantized forward differs from float, but not by much.
  const at::Tensor q = heatmaps(c.model, c.canvases[0]);
  setQuantizerStates(*c.model, QuantizerState::Disabled);
  const at::Tensor f = heatmaps(c.model, c.canvases[0]);
  const double rel = (q - f).norm().item<double>() / f.norm().item<double>();
  EXPECT_GT(rel, 0.0);
  EXPECT_LT(rel, 0.2);
}

TEST(Calibration, NonFiniteActivationNamesLayerAndBatch) {
  CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), 13);
  QuantRecipe q;
  prepareForQuantization(model, q);
  CalibrationManager manager(*model);
  manager.begin();
  at::Tensor x = at::rand({1, 32, 32, 32});
  x[0][3][4][5] = std::numeric_limits<float>::quiet_NaN();
  model->forwardDense(x);
  try {
    manager.endBatch("sample tok-42");
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("pts_backbone.blocks.0.0"), std::string::npos) << m;
    EXPECT_NE(m.find("tok-42"), std::string::npos) << m;
  }
}

TEST(QuantizedCheckpoint, RoundTripGivesIdenticalOutputs) {
  Calibrated c;
  const fs::path root = scratch("ptq_roundtrip");
  const std::string path = (root / "int8.safetensors").string();
  saveQuantizedCheckpoint(c.model, path, {{"note", "test"}});
  ASSERT_TRUE(fs::exists(root / "int8.pth"));
  const StateDict sd = loadCheckpoint(path);
  ASSERT_TRUE(sd.find("pts_backbone.blocks.1.0._input_quantizer._amax"));
  ASSERT_TRUE(sd.find("pts_backbone.blocks.1.0._weight_quantizer._amax"));
  EXPECT_EQ(sd.find("pts_backbone.blocks.1.0._weight_quantizer._amax")->sizes(),
            (std::vector<int64_t>{16, 1, 1, 1}));
  EXPECT_FALSE(sd.find("pts_voxel_encoder.pfn_layers.0.linear._input_quantizer._amax"));
  const at::Tensor expected = heatmaps(c.model, c.canvases[1]);
  for (const std::string& file : {path, (root / "int8.pth").string()}) {
    CenterPoint loaded = loadCenterPoint(c.cfg, file);  // detects the fake-quant checkpoint
    EXPECT_TRUE(at::equal(heatmaps(loaded, c.canvases[1]), expected)) << file;
    EXPECT_EQ(quantizedLayers(*loaded).size(), quantizedLayers(*c.model).size());
  }
}

// amax read from a checkpoint is validated like every other amax (it was loaded unchecked before).
TEST(QuantizedCheckpoint, NonFiniteOrNegativeAmaxIsRefusedNamingTheKey) {
  Calibrated c;
  const fs::path root = scratch("ptq_bad_amax");
  const std::string path = (root / "int8.safetensors").string();
  saveQuantizedCheckpoint(c.model, path, {});
  const std::string key = "pts_backbone.blocks.1.0._weight_quantizer._amax";
  for (double bad : {std::nan(""), -0.5, std::numeric_limits<double>::infinity()}) {
    StateDict sd = loadCheckpoint(path);
    ASSERT_TRUE(sd.find(key));
    at::Tensor a = sd.find(key)->clone();
    a.view({-1})[2] = bad;
    sd.insert(key, a);
    try {
      quantizedCenterPointFromStateDict(c.cfg, sd, "bad.safetensors");
      FAIL() << "accepted amax " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("bad.safetensors: " + key, 0), 0u) << e.what();
    }
  }
}

TEST(QuantizedCheckpoint, FloatCheckpointIsNotAQuantizedOne) {
  const fs::path root = scratch("ptq_notq");
  CenterPoint model = makeRandomCenterPoint(testing::tinyConfig(), 14);
  const std::string path = (root / "fp32.safetensors").string();
  saveCheckpoint(path, stateDictOf(*model));
  EXPECT_THROW(loadQuantizedCenterPoint(testing::tinyConfig(), path), Error);
}

TEST(CalibrationFile, JsonRoundTripAndForeignKeys) {
  Calibrated c;
  const nlohmann::ordered_json j = calibrationToJson(*c.model, c.layers, "histogram+mse", 3);
  EXPECT_EQ(j["amax"].size(), 2 * c.layers.size());
  CenterPoint other = makeRandomCenterPoint(c.cfg, 11);
  QuantRecipe q;
  q.floatLayers = {"pts_voxel_encoder"};
  prepareForQuantization(other, q);
  applyCalibrationJson(*other, nlohmann::json::parse(j.dump()), "calib.json");
  EXPECT_TRUE(at::equal(heatmaps(other, c.canvases[2]), heatmaps(c.model, c.canvases[2])));

  nlohmann::json foreign = nlohmann::json::parse(j.dump());
  foreign["amax"]["pts_backbone.blocks.9.0._input_quantizer._amax"] = 1.0;
  try {
    applyCalibrationJson(*other, foreign, "calib.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("pts_backbone.blocks.9.0._input_quantizer._amax"),
              std::string::npos);
  }
}

// Every malformed amax is one cpq::Error naming the file and the key, and leaves the model untouched
// (a string amax escaped as nlohmann::type_error before).
TEST(CalibrationFile, MalformedAmaxNamesFileAndKey) {
  Calibrated c;
  const nlohmann::json good = nlohmann::json::parse(calibrationToJson(*c.model, c.layers, "max", 1).dump());
  const std::string key = good["amax"].begin().key();
  const at::Tensor before = heatmaps(c.model, c.canvases[0]);
  for (const nlohmann::json& bad : {nlohmann::json("1.5"), nlohmann::json(-1.0), nlohmann::json(1e300),
                                    nlohmann::json::array({"a"}), nlohmann::json(nullptr)}) {
    nlohmann::json j = good;
    j["amax"][key] = bad;
    try {
      applyCalibrationJson(*c.model, j, "calib.json");
      FAIL() << "accepted " << bad.dump();
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.rfind("calib.json: ", 0), 0u) << m;
      EXPECT_NE(m.find(key), std::string::npos) << m;
    }
  }
  nlohmann::json numericFormat = good;
  numericFormat["format"] = 3;
  EXPECT_THROW(applyCalibrationJson(*c.model, numericFormat, "calib.json"), Error);
  EXPECT_TRUE(at::equal(heatmaps(c.model, c.canvases[0]), before));
}

TEST(CalibrationFile, TensorRtCacheParsesBackToAmaxOver127) {
  const std::map<std::string, double> amax{
      {"spatial_features", 3.5}, {"pts_backbone.blocks.1.2", 0.123456}, {"dead", 0.0}};
  const std::string text = tensorRtCalibrationCache(amax);
  EXPECT_EQ(text.rfind("TRT-8501-EntropyCalibration2\n", 0), 0u);
  // 3.5 / 127 = 0.027559055 -> float bits 0x3ce1c387 (hand-checked with struct.pack('>f')).
  EXPECT_NE(text.find("spatial_features: 3ce1c387\n"), std::string::npos) << text;
  const auto scales = parseTensorRtCalibrationCache(text, "cache");
  ASSERT_EQ(scales.size(), 2u);  // the dead tensor is left out: its layer stays float in TensorRT too
  EXPECT_EQ(scales.count("dead"), 0u);
  for (const auto& [tensor, a] : amax) {
    if (a > 0) {
      EXPECT_EQ(scales.at(tensor), static_cast<float>(a / 127.0)) << tensor;
    }
  }
  EXPECT_THROW(parseTensorRtCalibrationCache("garbage\n", "cache"), Error);
  EXPECT_THROW(parseTensorRtCalibrationCache("TRT-8501-EntropyCalibration2\nx: 12zz\n", "cache"), Error);
}

TEST(LayerSqnr, IdenticalWhenQuantizersAreOffAndFiniteWhenOn) {
  Calibrated c;
  const auto sqnr = measureLayerSqnr(*c.model, 2, [&](int64_t i) { c.model->forwardDense(c.canvases[i]); });
  ASSERT_EQ(sqnr.size(), quantizedLayers(*c.model).size());
  for (const auto& s : sqnr) {
    EXPECT_TRUE(std::isfinite(s.sqnrDb)) << s.layer;
    EXPECT_GT(s.sqnrDb, 5.0) << s.layer;  // 8-bit quantization is far better than 5 dB
  }
  // The states are restored afterwards.
  for (const auto& [name, layer] : quantizedLayers(*c.model))
    EXPECT_EQ(layer->inputQuantizer()->state(), QuantizerState::Quantizing) << name;
}

// A small network with a residual Add and a skip Concat (SECOND has neither).
struct ResidualNetImpl : torch::nn::Module {
  ResidualNetImpl() {
    conv1 = register_module("conv1", QuantConv2d(torch::nn::Conv2dOptions(3, 4, 3).padding(1)));
    conv2 = register_module("conv2", QuantConv2d(torch::nn::Conv2dOptions(4, 4, 3).padding(1)));
    add = register_module("add", QuantAdd());
    cat = register_module("cat", QuantConcat(1));
    conv3 = register_module("conv3", QuantConv2d(torch::nn::Conv2dOptions(8, 2, 1)));
  }
  at::Tensor forward(const at::Tensor& x) {
    const at::Tensor a = at::relu(conv1->forward(x));
    const at::Tensor r = add->forward(a, conv2->forward(a));
    return conv3->forward(cat->forward({r, a}));
  }
  QuantConv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  QuantAdd add{nullptr};
  QuantConcat cat{nullptr};
};
TORCH_MODULE(ResidualNet);

TEST(QuantElementwise, AddAndConcatShareOneInputQuantizer) {
  torch::manual_seed(15);
  ResidualNet net;
  QuantizerPlan recipe;
  recipe.input = QuantDescriptor::activation(CalibrationMethod::Max);
  insertQuantizers(*net, recipe);
  const StateDict keysBefore = stateDictOf(*net);
  CalibrationManager manager(*net);
  manager.begin();
  const at::Tensor x = at::randn({2, 3, 6, 6});
  net->forward(x);
  manager.endBatch("x");
  manager.finish(AmaxOptions{AmaxMethod::Max});
  const StateDict sd = stateDictOf(*net);
  EXPECT_TRUE(sd.find("add._input_quantizer._amax"));
  EXPECT_TRUE(sd.find("cat._input_quantizer._amax"));
  EXPECT_FALSE(sd.find("add._weight_quantizer._amax"));
  // The shared amax is the max over BOTH inputs.
  torch::NoGradGuard g;
  setQuantizerStates(*net, QuantizerState::Disabled);
  const at::Tensor a = at::relu(net->conv1->forward(x));
  const at::Tensor b = net->conv2->forward(a);
  const double expectedAmax = std::max(a.abs().max().item<double>(), b.abs().max().item<double>());
  EXPECT_FLOAT_EQ(net->add->inputQuantizer()->amax().item<float>(), static_cast<float>(expectedAmax));
  // Quantizing: the Add computes fq(a) + fq(b) with that one amax.
  net->add->inputQuantizer()->enableQuantization();
  const at::Tensor amax = net->add->inputQuantizer()->amax();
  const at::Tensor expected = fakeQuantize(a, amax, 8, false, false) + fakeQuantize(b, amax, 8, false, false);
  EXPECT_TRUE(at::equal(net->add->forward(a, b), expected));
}

}  // namespace
}  // namespace cpq
