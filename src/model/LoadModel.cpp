#include "model/LoadModel.h"

#include "checkpoint/Checkpoint.h"
#include "checkpoint/ModuleStateDict.h"

namespace cpq {

CenterPoint loadCenterPoint(const CenterPointConfig& cfg, const std::string& checkpointPath) {
  CenterPoint model(cfg);
  const StateDict sd = loadCheckpoint(checkpointPath);
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
