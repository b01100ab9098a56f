// `synth`: a synthetic lidar dataset (nuScenes or T4 layout) with its measured difficulty card, written
// atomically: a failed run leaves no folder behind.
#include <spdlog/spdlog.h>

#include "cli/CliSupport.h"
#include "cli/Commands.h"
#include "synth/SynthDataset.h"

namespace cpq::cli {

void addSynthCommand(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("synth", "Generate a synthetic lidar dataset (nuScenes or T4 layout) and its card");
  struct Args {
    std::string out, preset = "demo", layout = "nuscenes";
    int scenes = 4, frames = 10, sweeps = 1, beams = 0, valScenes = 0;
    uint64_t seed = 1;
    bool overwrite = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--out", a->out, "Output dataset folder")->required();
  cmd->add_option("--scenes", a->scenes, "Number of scenes")->capture_default_str();
  cmd->add_option("--frames-per-scene", a->frames, "Keyframes per scene (2 Hz)")->capture_default_str();
  cmd->add_option("--sweeps", a->sweeps, "Sweeps before each keyframe at 20 Hz (1-9; 9 = every lidar frame)")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "World seed (same seed, same bytes)")->capture_default_str();
  cmd->add_option("--preset", a->preset, "demo (32 beams, +-51.2 m) or awml121 (64 beams, 121 m)")
      ->capture_default_str();
  cmd->add_option("--beams", a->beams, "32 or 64 (default: the preset's)");
  cmd->add_option("--val-scenes", a->valScenes,
                  "Scenes of the val split (the last N; default 0: the last quarter, at least one)");
  cmd->add_option("--layout", a->layout, "nuscenes or t4")->capture_default_str();
  cmd->add_flag("--overwrite", a->overwrite, "Replace --out if it exists");
  cmd->callback([a] {
    SynthOptions o;
    o.preset = synthPreset(a->preset, a->beams);
    o.layout = parseSynthLayout(a->layout);
    o.scenes = a->scenes;
    o.framesPerScene = a->frames;
    o.sweepsPerKeyframe = a->sweeps;
    o.seed = a->seed;
    o.valScenes = a->valScenes;
    validateSynthOptions(o);  // before touching --out
    SynthSummary s;
    writeFolderAtomically(a->out, a->overwrite,
                          [&](const std::string& tmp) { s = writeSynthDataset(o, tmp); });
    spdlog::info(
        "{}: {} scenes, {} keyframes, {} sweeps; {:.1f} objects per keyframe (card: {}/dataset_card.json)",
        a->out, o.scenes, s.keyframes, s.sweeps, s.card["objects_per_keyframe"]["all"].get<double>(), a->out);
  });
}

}  // namespace cpq::cli
