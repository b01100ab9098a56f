// The output-error PTQ methods (ptq/LayerSamples, ptq/OutputRangeSearch, ptq/ChannelEqualization,
// ptq/BiasCorrection) on hand-computed cases and on a small random CenterPoint: the range search's choice
// on an outlier and on a uniform input, the occupancy mask that keeps empty cells out, equalization that
// leaves the float network unchanged and evens out channel ranges, and bias correction of a planted shift.
#include <gtest/gtest.h>

#include <cmath>

#include "core/Error.h"
#include "infer/InferencePipeline.h"
#include "model/CenterPoint.h"
#include "ptq/BiasCorrection.h"
#include "ptq/Calibration.h"
#include "ptq/ChannelEqualization.h"
#include "ptq/LayerSamples.h"
#include "ptq/ModelPreparation.h"
#include "ptq/OutputRangeSearch.h"
#include "quant/FakeQuantize.h"
#include "quant/QuantInsertion.h"
#include "support/ErrorMessage.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

// A 1 -> 1 Linear with weight 1 and no bias, quantized per tensor (input) and per channel (weight).
QuantLinear identityLinear() {
  QuantLinear l(torch::nn::LinearOptions(1, 1).bias(false));
  torch::NoGradGuard g;
  l->weight.fill_(1.0);
  l->attachQuantizers(*l, QuantDescriptor::activation(CalibrationMethod::Histogram),
                      QuantDescriptor::weight(0));
  return l;
}

LayerSamples samplesOf(QuantLinear& l, const at::Tensor& rows) {
  LayerSamples s;
  s.name = "identity";
  s.layer = l.get();
  s.rows = rows;
  s.channelAbsMax = std::get<0>(rows.abs().max(0));
  s.absMax = rows.abs().max().item<double>();
  return s;
}

TEST(OutputRangeSearch, PicksASmallAmaxOnAnOutlierAndNearlyTheMaxOnAUniformInput) {
  QuantLinear l = identityLinear();
  const QuantDescriptor in = l->inputQuantizer()->descriptor();
  const at::Tensor w = maxCalibratedFakeQuant(l->weight, l->weightQuantizer()->descriptor());
  // The fixtures' "outlier" shape (N(0, 0.5) plus one far value) at the size of AWML's 1020 x 1020 canvas
  // over 4 frames: clipping the one outlier at 100 costs less output error than resolving the bulk with
  // 1/127 of 100. pytorch-quantization's mse search cannot go below 100 / 16 (its bin 128 of 2048).
  torch::manual_seed(7);
  at::Tensor outlier = at::randn({4000000, 1}) * 0.5;
  outlier[0][0] = 100.0;
  const RangeSearchResult r = searchInputAmax(samplesOf(l, outlier), in, w, 100.0);
  EXPECT_LT(r.searchedAmax, 100.0 / 16);
  EXPECT_GT(r.searchedAmax, 2.0);  // the bulk (4 sigma) is not clipped
  EXPECT_LT(r.searchedError, r.calibratedError / 3);
  EXPECT_GT(r.candidates, 100);
  // Uniform on [-1, 1]: clipping costs more than resolution, the best amax is within 1% of the maximum.
  const at::Tensor uniform = at::linspace(-1, 1, 4097).reshape({-1, 1});
  const RangeSearchResult u = searchInputAmax(samplesOf(l, uniform), in, w, 0.5);
  EXPECT_GT(u.searchedAmax, 0.99);
  EXPECT_LE(u.searchedAmax, 1.0);
  EXPECT_LT(u.searchedError, u.calibratedError);
}

TEST(OutputRangeSearch, KeepsTheCalibratedAmaxWhenNoCandidateBeatsIt) {
  QuantLinear l = identityLinear();
  const at::Tensor w = maxCalibratedFakeQuant(l->weight, l->weightQuantizer()->descriptor());
  // 127 evenly spaced values quantize exactly at amax 1: the error there is 0.
  const at::Tensor exact = (at::arange(-127, 128, at::kFloat) / 127.0).reshape({-1, 1});
  const RangeSearchResult r = searchInputAmax(samplesOf(l, exact), l->inputQuantizer()->descriptor(), w, 1.0);
  EXPECT_EQ(r.searchedAmax, 1.0);
  EXPECT_EQ(r.searchedError, 0.0);
}

TEST(LayerSamples, OccupancyIsMaxPooledToCoarserAndRepeatedToFinerMaps) {
  at::Tensor occ = at::zeros({1, 4, 4}, at::kBool);
  occ[0][0][1] = true;
  occ[0][3][3] = true;
  const at::Tensor coarse = occupancyAt(occ, 2, 2);
  EXPECT_TRUE(at::equal(coarse, at::tensor({1, 0, 0, 1}).to(at::kBool).reshape({1, 2, 2})));
  const at::Tensor fine = occupancyAt(occ, 8, 8);
  EXPECT_EQ(fine.sum().item<int64_t>(), 8);
  EXPECT_TRUE(fine[0][0][2].item<bool>() && fine[0][1][3].item<bool>() && fine[0][7][7].item<bool>());
  EXPECT_THROW(occupancyAt(occ, 3, 3), Error);
}

TEST(LayerSamples, RowsComeOnlyFromCellsThatHoldDataAndReproduceTheLayerOutput) {
  torch::manual_seed(4);
  QuantConv2d canvas(torch::nn::Conv2dOptions(2, 3, 3).padding(1).bias(true));
  QuantConv2d strided(torch::nn::Conv2dOptions(3, 2, 3).padding(1).stride(2).bias(true));
  at::Tensor x = at::zeros({1, 2, 6, 6});
  x[0][0][1][2] = 1.5;
  x[0][1][4][4] = -2.0;  // two cells hold data
  std::vector<std::pair<std::string, QuantLayer*>> layers{{"canvas", canvas.get()},
                                                          {"strided", strided.get()}};
  at::Tensor y1, y2;
  LayerSampleOptions o;
  o.rowsPerFrame = 100;
  const auto samples = captureLayerSamples(
      layers, "canvas", 1,
      [&](int64_t) {
        y1 = canvas->forward(x);
        y2 = strided->forward(y1);
      },
      o);
  ASSERT_EQ(samples.size(), 2u);
  // The canvas layer: exactly the two occupied cells, as 3x3 patches (18 values).
  ASSERT_EQ(samples[0].rows.sizes(), (std::vector<int64_t>{2, 18}));
  const at::Tensor out0 = layerOutput(*canvas, samples[0].rows, canvas->weight, true);
  EXPECT_LE((out0[0] - y1[0].select(1, 1).select(1, 2)).abs().max().item<double>(), 1e-5);
  EXPECT_LE((out0[1] - y1[0].select(1, 4).select(1, 4)).abs().max().item<double>(), 1e-5);
  // The stride-2 layer: its 3x3 output carries the occupancy max-pooled (cells (0, 1) and (2, 2)).
  ASSERT_EQ(samples[1].rows.size(0), 2);
  const at::Tensor out1 = layerOutput(*strided, samples[1].rows, strided->weight, true);
  EXPECT_LE((out1[0] - y2[0].select(1, 0).select(1, 1)).abs().max().item<double>(), 1e-5);
  EXPECT_LE((out1[1] - y2[0].select(1, 2).select(1, 2)).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(samples[0].cellsSeen, 2);
  EXPECT_NEAR(samples[0].absMax, 2.0, 1e-6);
}

TEST(ChannelEqualization, ScalesOfAlphaOneMakeEveryChannelRangeEqual) {
  const at::Tensor a = at::tensor({0.5f, 4.0f, 2.0f, 0.0f});
  const at::Tensor r = at::tensor({1.0f, 0.1f, 3.0f, 1.0f});
  const at::Tensor s = equalizationScales(a, r, 1.0);
  const at::Tensor after = (a / s).narrow(0, 0, 3);
  EXPECT_LE((after - after[0]).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(s[3].item<float>(), 1.0f);                                   // a dead channel keeps its scale
  EXPECT_NEAR(s.narrow(0, 0, 3).log().sum().item<double>(), 0.0, 1e-5);  // geometric mean 1
  // alpha 0 equalizes the weight side instead: r * s constant.
  const at::Tensor s0 = equalizationScales(a, r, 0.0);
  const at::Tensor rs = (r * s0).narrow(0, 0, 3);
  EXPECT_LE((rs - rs[0]).abs().max().item<double>(), 1e-5);
}

// Random point clouds inside the tiny config's range.
std::vector<at::Tensor> randomClouds(int n, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<at::Tensor> clouds;
  for (int i = 0; i < n; ++i) {
    at::Tensor p = at::rand({600, 5});
    p.select(1, 0).mul_(12.0).sub_(6.0);
    p.select(1, 1).mul_(12.0).sub_(6.0);
    p.select(1, 2).mul_(3.0).sub_(2.0);
    p.select(1, 4).zero_();
    clouds.push_back(p);
  }
  return clouds;
}

class EqualizedModel : public ::testing::Test {
 protected:
  CenterPointConfig cfg = testing::tinyConfig();
  QuantRecipe recipe() const {
    QuantRecipe r = QuantRecipe::fromConfig(cfg);
    r.floatLayers.clear();  // full INT8
    return r;
  }
};

TEST_F(EqualizedModel, TheFloatNetworkIsUnchangedAndTheChosenScalesLowerTheSampledError) {
  CenterPoint model = makeRandomCenterPoint(cfg, 3);
  prepareForQuantization(model, recipe());
  InferencePipeline pipeline(cfg, model, at::kCPU);
  const auto clouds = randomClouds(3, 8);
  const HeadOutputs before = pipeline.forwardNetwork({clouds[0]});

  std::vector<std::pair<std::string, QuantLayer*>> layers;
  for (const auto& item : quantCapableLayers(*model))
    if (hasRowForm(*item.second)) layers.push_back(item);
  std::vector<LayerSamples> samples = captureLayerSamples(
      layers, "pts_backbone.blocks.0.0", 3, [&](int64_t i) { pipeline.forwardNetwork({clouds[i]}); }, {});
  const std::vector<EqualizationPair> pairs = equalizationPairs(model);
  // PFN -> block 0; 1 + 2 + 2 conv pairs inside the blocks and 3 block ends; 3 deblocks -> shared conv
  // (the deconv's per-tensor weights excluded: 2); shared conv -> 12 branches; no conv pairs in branches
  // of final_kernel 1 with one ConvModule each: 12.
  std::vector<std::string> producers;
  for (const auto& p : pairs) producers.push_back(p.producer);
  EXPECT_EQ(producers.front(), "pts_voxel_encoder.pfn_layers.1.linear");
  EXPECT_EQ(std::count(producers.begin(), producers.end(), "pts_backbone.blocks.0.3"), 1);
  EXPECT_EQ(std::count(producers.begin(), producers.end(), "pts_neck.deblocks.2.0"), 0);
  const auto shared = std::find_if(pairs.begin(), pairs.end(), [](const EqualizationPair& p) {
    return p.producer == "pts_bbox_head.shared_conv.conv";
  });
  ASSERT_NE(shared, pairs.end());
  EXPECT_EQ(shared->consumers.size(), 12u);
  const auto blockEnd = std::find_if(pairs.begin(), pairs.end(), [](const EqualizationPair& p) {
    return p.producer == "pts_backbone.blocks.1.6";
  });
  ASSERT_NE(blockEnd, pairs.end());
  ASSERT_EQ(blockEnd->consumers.size(), 2u);  // the next block and the neck
  EXPECT_EQ(blockEnd->consumers[1].name, "pts_neck.deblocks.1.0");

  const std::vector<EqualizationResult> results = equalizeChannels(model, samples);
  int changed = 0;
  for (const auto& r : results) {
    EXPECT_LE(r.errorAfter, r.errorBefore) << r.producer;
    changed += r.alpha >= 0;
  }
  EXPECT_GT(changed, 0);
  const HeadOutputs after = pipeline.forwardNetwork({clouds[0]});
  for (size_t t = 0; t < before.size(); ++t) {
    const auto& b = before[t];
    const auto& a = after[t];
    for (const auto& [x, y] :
         {std::pair{b.heatmap, a.heatmap}, {b.reg, a.reg}, {b.dim, a.dim}, {b.vel, a.vel}}) {
      const double scale = std::max(x.abs().max().item<double>(), 1.0);
      EXPECT_LE((x - y).abs().max().item<double>() / scale, 1e-5);
    }
  }
}

TEST_F(EqualizedModel, EqualizationAndBiasCorrectionRefuseAModelWithoutFoldedBn) {
  CenterPointConfig c = cfg;
  c.quantization.fuseBn = false;
  c.quantization.equalization = "activation";
  c.quantization.biasCorrection = true;
  const std::string msg = testing::errorMessageOf([&] { QuantRecipe::fromConfig(c); });
  EXPECT_NE(msg.find("methods.equalization and methods.bias_correction"), std::string::npos) << msg;
  EXPECT_NE(msg.find("fuse_bn: false"), std::string::npos) << msg;
  // The model-side check names the BN's conv.
  CenterPoint model = makeRandomCenterPoint(cfg, 3);
  model->eval();
  const std::string pairMsg = testing::errorMessageOf([&] { equalizationPairs(model); });
  EXPECT_NE(pairMsg.find("fuse_bn"), std::string::npos) << pairMsg;
}

TEST_F(EqualizedModel, MethodFramesBeyondTheCalibrationFramesAreRefusedWithTheNumbers) {
  CenterPoint model = makeRandomCenterPoint(cfg, 3);
  QuantRecipe r = recipe();
  r.rangeSearch = RangeSearch::Output;
  r.methodFrames = 8;
  prepareForQuantization(model, r);
  InferencePipeline pipeline(cfg, model, at::kCPU);
  // The in-memory overload samples what it has; the dataset one refuses (ptq's CLI test covers it).
  const CalibrationResult res = calibrate(pipeline, randomClouds(2, 1), r);
  EXPECT_EQ(res.methodFrames, 2);
  EXPECT_FALSE(res.rangeSearch.empty());
  for (const auto& s : res.rangeSearch) EXPECT_LE(s.searchedError, s.calibratedError) << s.layer;
}

TEST(BiasCorrection, RemovesAPlantedMeanShift) {
  QuantLinear l = identityLinear();
  l->inputQuantizer()->setAmax(at::full({}, 1.0));
  l->weightQuantizer()->setAmax(at::full({1, 1}, 1.0));
  l->inputQuantizer()->enableQuantization();
  l->weightQuantizer()->enableQuantization();
  // Every input is 0.3: INT8 at amax 1 gives round(38.1) / 127 = 38 / 127, a shift of 38/127 - 0.3.
  std::vector<LayerSamples> samples{samplesOf(l, at::full({64, 1}, 0.3f))};
  const double planted = 38.0 / 127.0 - 0.3;
  EXPECT_NEAR(quantizationMeanShift(samples[0], 1.0).item<double>(), planted, 1e-7);
  const auto results = correctBiases(samples);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(l->bias.defined());
  EXPECT_NEAR(l->bias.item<double>(), -planted, 1e-7);
  // The quantized layer now reproduces the float output on average.
  const at::Tensor y = l->forward(at::full({64, 1}, 0.3f));
  EXPECT_NEAR(y.mean().item<double>(), 0.3, 1e-6);
}

}  // namespace
}  // namespace cpq
