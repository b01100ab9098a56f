#include "synth/DemoCloud.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace cpq {
namespace {

// Distance along the unit ray d from the origin to an oriented box, or +inf (slab test in the box frame).
float rayBoxDistance(const DemoBox& b, float dx, float dy, float dz) {
  const float c = std::cos(b.yaw), s = std::sin(b.yaw);
  const float ox = -b.x, oy = -b.y, oz = -b.z;  // origin relative to the box centre
  const float o[3] = {c * ox + s * oy, -s * ox + c * oy, oz};
  const float d[3] = {c * dx + s * dy, -s * dx + c * dy, dz};
  const float half[3] = {b.l / 2, b.w / 2, b.h / 2};
  float tNear = 0.0f, tFar = std::numeric_limits<float>::infinity();
  for (int a = 0; a < 3; ++a) {
    if (std::abs(d[a]) < 1e-9f) {
      if (std::abs(o[a]) > half[a]) return std::numeric_limits<float>::infinity();
      continue;
    }
    float t1 = (-half[a] - o[a]) / d[a], t2 = (half[a] - o[a]) / d[a];
    if (t1 > t2) std::swap(t1, t2);
    tNear = std::max(tNear, t1);
    tFar = std::min(tFar, t2);
    if (tNear > tFar) return std::numeric_limits<float>::infinity();
  }
  return tNear > 0 ? tNear : std::numeric_limits<float>::infinity();
}

std::vector<DemoBox> placeObjects(const DemoCloudOptions& o, std::mt19937& rng) {
  // (l, w, h) of car, truck, bus, bicycle, pedestrian.
  const float sizes[5][3] = {
      {4.5f, 1.9f, 1.6f}, {7.0f, 2.4f, 3.0f}, {11.0f, 2.9f, 3.3f}, {1.8f, 0.6f, 1.6f}, {0.6f, 0.6f, 1.75f}};
  std::uniform_real_distribution<float> range(4.0f, 45.0f), angle(-3.14159265f, 3.14159265f);
  std::uniform_int_distribution<int> cls(0, 4);
  std::vector<DemoBox> boxes;
  for (int i = 0; i < o.numObjects; ++i) {
    const int k = cls(rng);
    const float r = range(rng), a = angle(rng);
    const float h = sizes[k][2];
    boxes.push_back(
        {r * std::cos(a), r * std::sin(a), -o.sensorHeight + h / 2, sizes[k][0], sizes[k][1], h, angle(rng)});
  }
  return boxes;
}

}  // namespace

at::Tensor makeDemoCloud(const DemoCloudOptions& o, uint64_t seed, std::vector<DemoBox>* objects) {
  std::mt19937 rng(static_cast<std::mt19937::result_type>(seed));
  const std::vector<DemoBox> boxes = placeObjects(o, rng);
  std::normal_distribution<float> noise(0.0f, 0.02f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const float deg = 3.14159265f / 180.0f;
  const int steps = static_cast<int>(std::lround(360.0f / o.azimuthStepDeg));
  std::vector<float> rows;
  for (int beam = 0; beam < o.beams; ++beam) {
    const float elev =
        (o.minElevationDeg + (o.maxElevationDeg - o.minElevationDeg) * beam / (o.beams - 1)) * deg;
    for (int step = 0; step < steps; ++step) {
      const float az = step * o.azimuthStepDeg * deg;
      const float dx = std::cos(elev) * std::cos(az), dy = std::cos(elev) * std::sin(az), dz = std::sin(elev);
      float t = dz < 0 ? o.sensorHeight / -dz : std::numeric_limits<float>::infinity();
      float intensity = 5.0f + 20.0f * unit(rng);  // asphalt
      for (const auto& b : boxes) {
        const float tb = rayBoxDistance(b, dx, dy, dz);
        if (tb < t) {
          t = tb;
          intensity = 40.0f + 80.0f * unit(rng);  // painted metal, clothing
        }
      }
      if (t > o.maxRange || unit(rng) < 0.05f) continue;  // out of range, or dropout
      t += noise(rng);
      rows.insert(rows.end(), {t * dx, t * dy, t * dz, std::round(intensity), static_cast<float>(beam)});
    }
  }
  if (objects) *objects = boxes;
  const int64_t n = static_cast<int64_t>(rows.size() / 5);
  return at::from_blob(rows.data(), {n, 5}, at::kFloat).clone();
}

}  // namespace cpq
