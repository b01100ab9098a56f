#include "model/LoadModel.h"

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"
#include "core/Error.h"
#include "model/QuantizedCheckpoint.h"

namespace cpq {
namespace {

// Biases for layers the float model builds without one: BN was folded into them. Loading such weights
// into the unfused model would silently lose the biases (mAP 0) if anything let it through.
void refuseFoldedWeights(const CenterPoint& model, const StateDict& sd, const std::string& path) {
  const StateDict own = stateDictOf(*model);
  std::string folded;
  for (const auto& [name, t] : sd.items()) {
    if (name.size() < 5 || name.compare(name.size() - 5, 5, ".bias") != 0 || own.find(name)) continue;
    if (own.find(name.substr(0, name.size() - 5) + ".weight")) folded += "\n  " + name;
  }
  if (!folded.empty())
    throw fileError(path,
                    "has BN folded into its layers (biases the float model does not have, BN keys "
                    "absent); loading it into the unfused model would drop them. Folded layers:" +
                        folded);
}

}  // namespace

CenterPoint loadCenterPoint(const CenterPointConfig& cfg, const std::string& checkpointPath) {
  const StateDict sd = loadCheckpoint(checkpointPath);
  // A fake-quant checkpoint (ptq / qat output) describes its own fused, quantized model.
  if (isQuantizedStateDict(sd)) return quantizedCenterPointFromStateDict(cfg, sd, checkpointPath);
  CenterPoint model(cfg);
  refuseFoldedWeights(model, sd, checkpointPath);
  loadStateDict(*model, sd, checkpointPath);
  model->eval();
  return model;
}

CenterPoint makeCenterPoint(const CenterPointConfig& cfg, const std::optional<std::string>& checkpointPath,
                            uint64_t seed) {
  if (checkpointPath) return loadCenterPoint(cfg, *checkpointPath);
  CenterPoint model = makeRandomCenterPoint(cfg, seed);
  model->eval();
  return model;
}

}  // namespace cpq
