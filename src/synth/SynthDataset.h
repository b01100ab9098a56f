#pragma once
// The `synth` dataset: scenes of the synthetic world written in the nuScenes layout
// (DIR/v1.0-trainval/*.json, DIR/samples|sweeps/LIDAR_TOP/*.pcd.bin) or the T4 layout
// (DIR/<dataset id>/0/annotation/*.json, DIR/<dataset id>/0/data/LIDAR_CONCAT/*.pcd.bin, points in
// base_link), plus DIR/splits.yaml and DIR/dataset_card.json. Keyframes at 2 Hz, each preceded by
// sweepsPerKeyframe sweeps at the lidar rate (20 Hz), so every keyframe, the first included, has its previous
// sweeps.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "synth/SynthPreset.h"

namespace cpq {

struct SynthSummary {
  int keyframes = 0, sweeps = 0;
  std::vector<std::string> trainScenes, valScenes;
  nlohmann::json card;
};

// Writes into dir, which must exist (the CLI hands it a fresh temporary folder). Same options, same bytes.
SynthSummary writeSynthDataset(const SynthOptions& options, const std::string& dir);

}  // namespace cpq
