#pragma once
// A small deterministic lidar sweep (ray-cast ground plus a few box-shaped objects) so that `infer` and the
// demo job run out of the box with no dataset. The full scene generator (issue 5) supersedes it.
#include <ATen/ATen.h>

#include <cstdint>

namespace cpq {

struct DemoCloudOptions {
  int beams = 32;
  float minElevationDeg = -30.0f, maxElevationDeg = 10.0f;
  float azimuthStepDeg = 0.2f;
  float maxRange = 70.0f;
  float sensorHeight = 1.8f;  // the ground is at z = -sensorHeight in the lidar frame
  int numObjects = 24;
};

struct DemoBox {
  float x, y, z, l, w, h, yaw;  // centre, size, heading (lidar frame)
};

// Returns [N, 5] float32 rows x, y, z, intensity, ring, as a .pcd.bin holds them; objects receives the
// boxes placed (may be null). Same seed, same bytes.
at::Tensor makeDemoCloud(const DemoCloudOptions& options, uint64_t seed,
                         std::vector<DemoBox>* objects = nullptr);

}  // namespace cpq
