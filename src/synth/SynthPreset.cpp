#include "synth/SynthPreset.h"

#include "core/Error.h"
#include "core/RgbImage.h"

namespace cpq {

SynthPreset synthPreset(const std::string& name, int beams) {
  SynthPreset p;
  p.name = name;
  if (name == "demo") {
    // defaults above: 32 beams, -30..+10 deg, 0.33 deg, 70 m
  } else if (name == "awml121") {
    p.beams = 64;
    p.minElevationDeg = -25.0f;
    p.maxElevationDeg = 15.0f;
    p.azimuthStepDeg = 0.2f;
    p.maxRange = 150.0f;
    p.sensorHeight = 1.9f;
    p.modelRange = 121.6;
    p.annotationRange = 125.0;
  } else {
    throw Error("--preset: unknown preset '" + name + "' (use demo or awml121)");
  }
  if (beams != 0) {
    if (beams != 32 && beams != 64) throw Error("--beams: use 32 or 64, not " + std::to_string(beams));
    p.beams = beams;
  }
  return p;
}

SynthLayout parseSynthLayout(const std::string& name) {
  if (name == "nuscenes") return SynthLayout::NuScenes;
  if (name == "t4") return SynthLayout::T4;
  throw Error("--layout: unknown layout '" + name + "' (use nuscenes or t4)");
}

void validateSynthOptions(const SynthOptions& o) {
  if (!pngSupported())
    throw Error(
        "synth: this build has no PNG support (libpng was not found at configure time), and every dataset "
        "needs its map mask PNGs (maps/<token>.png), which the nuScenes devkit opens on load; rebuild with "
        "libpng-dev");
  if (o.scenes < 1) throw Error("--scenes: must be at least 1, got " + std::to_string(o.scenes));
  if (o.framesPerScene < 1)
    throw Error("--frames-per-scene: must be at least 1, got " + std::to_string(o.framesPerScene));
  if (o.valScenes < 0 || (o.valScenes > 0 && o.valScenes >= o.scenes))
    throw Error(
        "--val-scenes: must leave at least one train scene (0 < N < --scenes, or 0 for the last quarter), "
        "got " +
        std::to_string(o.valScenes));
  if (o.sweepsPerKeyframe < 1 || o.sweepsPerKeyframe > 9)
    throw Error("--sweeps: must be 1 to 9 (sweeps at the lidar rate before each keyframe), got " +
                std::to_string(o.sweepsPerKeyframe));
}

}  // namespace cpq
