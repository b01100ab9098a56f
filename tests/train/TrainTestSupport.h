#pragma once
// Shared helpers of the training tests: hand-made boxes, a small config for the overfit test and
// synthetic frames from the demo cloud generator.
#include <ATen/ATen.h>

#include <cmath>
#include <string>
#include <vector>

#include "config/CenterPointConfig.h"
#include "dataset/Sample.h"
#include "support/TinyConfig.h"
#include "synth/DemoCloud.h"
#include "train/TrainFrame.h"

namespace cpq::testing {

inline LidarBox makeBox(double x, double y, double z, double l, double w, double h, double yaw, int label,
                        double vx = 0, double vy = 0) {
  LidarBox b;
  b.center = Eigen::Vector3d(x, y, z);
  b.length = l;
  b.width = w;
  b.height = h;
  b.yaw = yaw;
  b.velocity = Eigen::Vector2d(vx, vy);
  b.label = label;
  return b;
}

// TinyConfig's network on a 25.6 m x 25.6 m range (64 x 64 pillars, 32 x 32 head cells): large enough to
// hold several demo-cloud objects. At most 8 points per pillar: the PFN's cost is pillars x max points, and
// it dominates a CPU step of a network this small.
inline CenterPointConfig overfitConfig() {
  std::string yaml = tinyConfigYaml();
  const auto replace = [&yaml](const std::string& from, const std::string& to) {
    yaml.replace(yaml.find(from), from.size(), to);
  };
  replace("point_cloud_range: [-6.4, -6.4, -3.0, 6.4, 6.4, 5.0]",
          "point_cloud_range: [-12.8, -12.8, -3.0, 12.8, 12.8, 5.0]");
  replace("max_num_points: 32, max_voxels: [1000, 1000]", "max_num_points: 8, max_voxels: [5000, 5000]");
  return parseConfig(yaml, "overfit.yaml");
}

// The demo generator's class from its fixed sizes (car, truck, bus, bicycle, pedestrian by length).
inline int demoLabel(const DemoBox& b) {
  const float lengths[5] = {4.5f, 7.0f, 11.0f, 1.8f, 0.6f};
  for (int k = 0; k < 5; ++k) {
    if (std::abs(b.l - lengths[k]) < 1e-3f) return k;
  }
  return -1;
}

// A demo sweep with its boxes as a TrainFrame: column 4 (ring) becomes the time lag 0, as readPcdBin does.
inline TrainFrame demoFrame(uint64_t seed, int numObjects = 40) {
  DemoCloudOptions o;
  o.numObjects = numObjects;
  o.beams = 16;  // a quarter of the default rays: plenty for 25.6 m, and quick to generate
  o.azimuthStepDeg = 0.4f;
  std::vector<DemoBox> objects;
  TrainFrame f;
  f.points = makeDemoCloud(o, seed, &objects).clone();
  f.points.select(1, 4).zero_();
  for (const auto& d : objects) {
    f.boxes.push_back(makeBox(d.x, d.y, d.z, d.l, d.w, d.h, d.yaw, demoLabel(d), 0.5, -0.25));
  }
  return f;
}

}  // namespace cpq::testing
