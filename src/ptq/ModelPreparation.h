#pragma once
// A float model made ready for calibration under a recipe: float-layer names checked, BN (and ReLU)
// fused, quantizers inserted, all of them disabled (the network computes exactly in float).
#include <string>
#include <vector>

#include "model/CenterPoint.h"
#include "ptq/QuantRecipe.h"

namespace cpq {

// Returns the names of the layers that got quantizers. cpq::Error listing the valid names when a float
// layer of the recipe matches nothing (before the weights are touched).
std::vector<std::string> prepareForQuantization(CenterPoint& model, const QuantRecipe& recipe);

// The quant-capable layers without quantizers (kept float), network order.
std::vector<std::string> floatLayersOf(CenterPoint& model);

}  // namespace cpq
