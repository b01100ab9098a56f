// The sensitivity tools against hand-computed cases: Spearman's rank correlation (with ties), the head
// output error, and the greedy float-layer selection driven by a stand-in evaluation whose mAP is a known
// function of which layers are quantized.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/Error.h"
#include "model/CenterPoint.h"
#include "model/QuantizedCheckpoint.h"
#include "ptq/ModelPreparation.h"
#include "ptq/Sensitivity.h"
#include "quant/CalibrationManager.h"
#include "quant/QuantInsertion.h"
#include "support/TinyConfig.h"

namespace cpq {
namespace {

TEST(Spearman, OrderReversalAndTies) {
  EXPECT_DOUBLE_EQ(spearmanCorrelation({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(spearmanCorrelation({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // Ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4): 4.5 / sqrt(4.5 * 5).
  EXPECT_NEAR(spearmanCorrelation({1, 2, 2, 3}, {1, 2, 3, 4}), 4.5 / std::sqrt(4.5 * 5.0), 1e-12);
  EXPECT_TRUE(std::isnan(spearmanCorrelation({1, 1, 1}, {1, 2, 3})));
}

TEST(HeadOutputError, ZeroForTheReferenceAndTheRelativeNormOtherwise) {
  TaskOutputs t{at::zeros({1, 1, 1, 2}), at::ones({1, 2, 1, 2}), at::ones({1, 1, 1, 2}),
                at::ones({1, 3, 1, 2}),  at::ones({1, 2, 1, 2}), at::ones({1, 2, 1, 2})};
  EXPECT_EQ(headOutputError({t}, {t}), 0.0);
  TaskOutputs u = t;
  u.reg = at::full({1, 2, 1, 2}, 2.0f);  // box error: ||(1,1,1,1)|| / ||ones(20)|| = 2 / sqrt(20)
  EXPECT_NEAR(headOutputError({u}, {t}), 2.0 / std::sqrt(20.0), 1e-9);
}

// A calibrated tiny model and a stand-in evaluation: mAP = 0.8 minus the cost of every quantized layer.
struct Selection : ::testing::Test {
  CenterPoint model{nullptr};
  std::vector<std::string> names;
  std::map<std::string, double> cost;

  void SetUp() override {
    const CenterPointConfig cfg = testing::tinyConfig();
    model = makeRandomCenterPoint(cfg, 3);
    QuantRecipe q;
    q.calibration = CalibrationMethod::Max;
    q.amax = AmaxMethod::Max;
    q.floatLayers = {"pts_voxel_encoder"};
    prepareForQuantization(model, q);
    CalibrationManager manager(*model);
    manager.begin();
    {
      torch::NoGradGuard g;
      model->forwardDense(at::relu(at::randn({1, 32, cfg.gridSize[1], cfg.gridSize[0]})));
    }
    manager.endBatch("canvas");
    manager.finish(q.amaxOptions());
    for (const auto& o : quantizerOwners(*model)) {
      names.push_back(o.name);
      cost[o.name] = 0.0002;
    }
    ASSERT_GT(names.size(), 6u);
    cost[names[2]] = 0.02;
    cost[names[5]] = 0.01;
  }
  double evaluate() {
    double map = 0.8;
    for (const auto& o : quantizerOwners(*model))
      if (o.input->state() == QuantizerState::Quantizing) map -= cost[o.name];
    return map;
  }
  std::vector<SensitivityRow> rows(bool withDelta) {
    std::vector<SensitivityRow> r;
    for (const auto& n : names) {
      SensitivityRow row;
      row.layer = n;
      if (withDelta) row.delta = cost[n];
      row.proxy = cost[n] * 3;  // the same order
      r.push_back(row);
    }
    return r;
  }
  double others() const { return double(names.size() - 2) * 0.0002; }
};

TEST_F(Selection, GreedyByDeltaStopsAtTheFirstSetWithinTheBudget) {
  const FloatLayerSelection s =
      selectFloatLayers(*model, rows(true), others() + 1e-4, 0.8, [this] { return evaluate(); });
  EXPECT_EQ(s.floatLayers, (std::vector<std::string>{names[2], names[5]}));
  EXPECT_EQ(s.evaluations, 3);  // none, one, two layers float
  EXPECT_NEAR(s.int8Map, 0.8 - others(), 1e-12);
  EXPECT_NEAR(evaluate(), s.int8Map, 1e-12);  // the model is left with that set float
  const std::string yaml = sensitiveLayersYaml(s, others() + 1e-4);
  EXPECT_NE(yaml.find("  sensitive_layers:\n    - " + names[2] + "\n    - " + names[5] + "\n"),
            std::string::npos)
      << yaml;
}

TEST_F(Selection, ProxyOrdersTheLayersWithoutEvaluationsAndAGenerousBudgetKeepsAllInt8) {
  FloatLayerSelection s = selectFloatLayers(*model, rows(false), 0.02, 0.8, [this] { return evaluate(); });
  EXPECT_EQ(s.floatLayers, (std::vector<std::string>{names[2]}));
  s = selectFloatLayers(*model, rows(false), 1.0, 0.8, [this] { return evaluate(); });
  EXPECT_TRUE(s.floatLayers.empty());
  EXPECT_EQ(s.evaluations, 1);
}

TEST_F(Selection, UnreachableOrNegativeBudgetIsAnError) {
  // An evaluation that stays below the baseline whatever is float (e.g. another split than the baseline's).
  try {
    selectFloatLayers(*model, rows(true), 0.001, 0.8, [] { return 0.7; });
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be met even with every layer in float"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(selectFloatLayers(*model, rows(true), -0.001, 0.8, [this] { return evaluate(); }), Error);
}

}  // namespace
}  // namespace cpq
