#pragma once
// A fake-quant model in memory and on disk. The checkpoint is the model's state_dict with BN folded into
// the convs and pytorch-quantization's `_amax` keys (`<layer>._input_quantizer._amax`,
// `<layer>._weight_quantizer._amax`), as safetensors and as a torch.save .pth that Python reads.
// Everything a loader needs is in the keys: which layers are quantized (their `_amax` keys), which BNs
// are folded (their keys are absent), per-channel or per-tensor (the amax shapes).
#include <map>
#include <string>

#include "checkpoint/StateDict.h"
#include "config/CenterPointConfig.h"
#include "model/CenterPoint.h"
#include "quant/QuantInsertion.h"

namespace cpq {

// True when the state dict holds any `_amax` key.
bool isQuantizedStateDict(const StateDict& sd);

// Builds the fused, quantized model a fake-quant checkpoint describes and loads it (quantizers
// quantizing). cpq::Error naming the file when it has no `_amax` keys or does not fit the config.
CenterPoint loadQuantizedCenterPoint(const CenterPointConfig& cfg, const std::string& path);
CenterPoint quantizedCenterPointFromStateDict(const CenterPointConfig& cfg, const StateDict& sd,
                                              const std::string& source);

// Writes <stem>.safetensors (path) and <stem>.pth next to it, atomically. Metadata goes into the
// safetensors header (provenance: base checkpoint, calibration method, ...).
void saveQuantizedCheckpoint(CenterPoint& model, const std::string& safetensorsPath,
                             const std::map<std::string, std::string>& metadata);

}  // namespace cpq
