#pragma once
// A CenterPoint for a config, with weights from a checkpoint (.pth / .safetensors) or seeded random init.
#include <optional>
#include <string>

#include "config/CenterPointConfig.h"
#include "model/CenterPoint.h"

namespace cpq {

// Loads weights by AWML's names; a checkpoint that does not fit the config is one cpq::Error listing
// every offending key. The model is returned in eval mode on the CPU. A fake-quant checkpoint (with `_amax`
// keys) gives its fused model with quantizers quantizing.
CenterPoint loadCenterPoint(const CenterPointConfig& cfg, const std::string& checkpointPath);

// checkpointPath when given, else random init from seed.
CenterPoint makeCenterPoint(const CenterPointConfig& cfg, const std::optional<std::string>& checkpointPath,
                            uint64_t seed);

}  // namespace cpq
