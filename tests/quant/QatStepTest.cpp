// QAT mechanics on the model: gradients reach the weights of quantized layers through the straight-through
// estimator while amax (buffers, not parameters) stays exactly what calibration set.
#include <gtest/gtest.h>
#include <torch/optim/adamw.h>

#include "model/CenterPoint.h"
#include "quant/CalibrationFile.h"
#include "quant/CalibrationManager.h"
#include "quant/QuantizedCheckpoint.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

TEST(QatStep, WeightsLearnThroughTheStraightThroughEstimatorAndAmaxStaysFrozen) {
  const CenterPointConfig cfg = testing::tinyConfig();
  CenterPoint model = makeRandomCenterPoint(cfg, 21);
  QuantizationConfig q;
  q.method = "max";
  q.sensitiveLayers = {"pts_voxel_encoder"};
  prepareForQuantization(model, q);
  torch::manual_seed(22);
  const at::Tensor canvas = at::relu(at::randn({2, 32, cfg.gridSize[1], cfg.gridSize[0]}));
  CalibrationManager manager(*model);
  manager.begin();
  {
    torch::NoGradGuard g;
    model->forwardDense(canvas);
  }
  manager.endBatch("canvas");
  const auto layers = manager.finish(amaxOptionsFor(q));
  const nlohmann::ordered_json calib = calibrationToJson(*model, layers, "max", 1);

  // Only weights and biases are trainable: amax is a buffer.
  for (const auto& p : model->named_parameters()) EXPECT_EQ(p.key().find("_amax"), std::string::npos) << p.key();
  std::map<std::string, at::Tensor> before;
  for (const auto& p : model->named_parameters()) before[p.key()] = p.value().detach().clone();

  model->train();
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-3));
  for (int step = 0; step < 3; ++step) {
    opt.zero_grad();
    at::Tensor loss = at::zeros({});
    for (const auto& t : model->forwardDense(canvas)) loss = loss + t.heatmap.sigmoid().mean() + t.reg.pow(2).mean();
    loss.backward();
    if (step == 0) {
      // The STE passes gradient to every quantized layer's weight (inside the clip range).
      const at::Tensor g = model->pts_backbone->blocks[1]->as<torch::nn::Sequential>()->ptr(0)->named_parameters()["weight"].grad();
      ASSERT_TRUE(g.defined());
      EXPECT_GT(g.abs().sum().item<double>(), 0.0);
    }
    opt.step();
  }
  size_t changed = 0;
  for (const auto& p : model->named_parameters())
    if (!at::equal(p.value().detach(), before[p.key()])) ++changed;
  EXPECT_GT(changed, before.size() / 2);
  // Every amax is still the calibration's, bit for bit.
  const nlohmann::ordered_json after = calibrationToJson(*model, layers, "max", 1);
  EXPECT_EQ(after["amax"], calib["amax"]);
}

}  // namespace
}  // namespace cpq
