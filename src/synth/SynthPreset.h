#pragma once
// The sensor and world settings of a generated dataset. `demo` matches configs/demo.yaml (a 32-beam
// HDL-32E-like lidar, +-51.2 m model range); `awml121` matches AWML's 121 m models (a 64-beam long-range
// lidar).
#include <cstdint>
#include <string>

namespace cpq {

struct SynthPreset {
  std::string name;
  int beams = 32;
  float minElevationDeg = -30.0f, maxElevationDeg = 10.0f;
  float azimuthStepDeg = 0.33f;  // HDL-32E at 20 Hz
  float maxRange = 70.0f;
  float sensorHeight = 1.8f;      // lidar above the ego frame origin (on the ground)
  double modelRange = 51.2;       // half-size of the model's square point range
  double annotationRange = 60.0;  // objects whose centre is this close (xy) to the ego are annotated
  double lidarHz = 20.0;          // sweep period between a keyframe and its previous sweeps
  double worldMargin = 20.0;      // world content beyond maxRange around the ego's path
};

enum class SynthLayout { NuScenes, T4 };

struct SynthOptions {
  SynthPreset preset;
  int scenes = 1;
  int framesPerScene = 10;    // keyframes (samples) per scene, at 2 Hz
  int sweepsPerKeyframe = 1;  // lidar sweeps before each keyframe (9 = full 20 Hz)
  uint64_t seed = 0;
  SynthLayout layout = SynthLayout::NuScenes;
  int valScenes = 0;  // the last valScenes scenes form the val split; 0: the last quarter (at least one)
};

// "demo" or "awml121"; beams 0 keeps the preset's, else 32 or 64. cpq::Error on anything else.
SynthPreset synthPreset(const std::string& name, int beams = 0);

// "nuscenes" or "t4"; cpq::Error otherwise.
SynthLayout parseSynthLayout(const std::string& name);

// cpq::Error naming the flag when a count is out of range, or saying so when the build has no libpng (the
// map masks are PNGs).
void validateSynthOptions(const SynthOptions& options);

}  // namespace cpq
