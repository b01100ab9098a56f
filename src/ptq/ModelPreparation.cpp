#include "ptq/ModelPreparation.h"

#include "model/LayerFusion.h"
#include "quant/QuantInsertion.h"

namespace cpq {

std::vector<std::string> prepareForQuantization(CenterPoint& model, const QuantRecipe& recipe) {
  const QuantizerPlan plan = recipe.quantizerPlan();
  checkSkipPrefixes(*model, plan.skipPrefixes);  // before the weights are touched
  model->eval();
  fuseLayers(*model, recipe.fusion());
  const auto inserted = insertQuantizers(*model, plan);
  setQuantizerStates(*model, QuantizerState::Disabled);
  return inserted;
}

std::vector<std::string> floatLayersOf(CenterPoint& model) {
  std::vector<std::string> names;
  for (const auto& [name, layer] : quantCapableLayers(*model))
    if (!layer->isQuantized()) names.push_back(name);
  return names;
}

}  // namespace cpq
