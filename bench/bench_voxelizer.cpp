// Voxelizer::voxelize and buildPillarFeatures on a deterministic synthetic lidar sweep, single-threaded.
// items/s = input points per second.
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "preprocess/PillarFeatures.h"
#include "preprocess/Voxelizer.h"

namespace {

constexpr double kPi = 3.14159265358979323846;

// A rotating multi-beam lidar 2 m above flat ground (z = 0): beams spread over [lowDeg, highDeg] of
// elevation, `perRing` shots per revolution. Each 1-degree sector holds an object (wall, car, tree) at
// 3..120 m with some height, or nothing; shots that hit neither the object nor the ground hit a far wall
// at 60..200 m (many beyond the 122.4 m range, as in a real sweep). Columns x, y, z, time lag (0).
at::Tensor lidarSweep(int beams, int perRing, double lowDeg, double highDeg, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.02);
  constexpr double kHeight = 2.0;
  struct Sector {
    double distance;  // horizontal, <= 0 for none
    double top;       // height of the object
    double far;       // far wall
  };
  std::vector<Sector> sectors(360);
  for (auto& s : sectors) {
    s.distance = unit(rng) < 0.6 ? 3.0 + 117.0 * unit(rng) * unit(rng) : -1.0;
    s.top = 1.0 + 9.0 * unit(rng);
    s.far = 60.0 + 140.0 * unit(rng);
  }
  at::Tensor points = at::zeros({int64_t{beams} * perRing, 4}, at::kFloat);
  float* out = points.data_ptr<float>();
  for (int b = 0; b < beams; ++b) {
    const double elevation = (lowDeg + (highDeg - lowDeg) * b / (beams - 1)) * kPi / 180.0;
    const double slope = std::tan(elevation);
    for (int k = 0; k < perRing; ++k) {
      const double azimuth = 2.0 * kPi * (k + 0.5 * unit(rng)) / perRing;
      const Sector& s = sectors[static_cast<size_t>(azimuth * 180.0 / kPi) % 360];
      double range = s.far;  // horizontal distance of the return
      if (slope < 0.0) range = std::min(range, kHeight / -slope);
      if (s.distance > 0.0 && s.distance < range) {
        const double z = kHeight + slope * s.distance;
        if (z >= 0.0 && z <= s.top) range = s.distance;
      }
      range += noise(rng);
      *out++ = static_cast<float>(range * std::cos(azimuth));
      *out++ = static_cast<float>(range * std::sin(azimuth));
      *out++ = static_cast<float>(kHeight + slope * range + noise(rng));
      *out++ = 0.0f;
    }
  }
  return points;
}

const at::Tensor& sweep64() {  // 64 x 3906 = 249,984 points
  static const at::Tensor p = lidarSweep(64, 3906, -25.0, 15.0, 2024);
  return p;
}
const at::Tensor& sweep32() {  // 32 x 1800 = 57,600 points
  static const at::Tensor p = lidarSweep(32, 1800, -30.0, 10.0, 2025);
  return p;
}

// Worst case for the cell map and the output size: 250k points spread uniformly over the 121 m square,
// which fills the 96000-pillar cap with mostly single-point pillars.
const at::Tensor& uniform250k() {
  static const at::Tensor p = [] {
    at::Tensor t = at::rand({250000, 4}, at::TensorOptions().dtype(at::kFloat));
    t.select(1, 0).mul_(244.8).sub_(122.4);
    t.select(1, 1).mul_(244.8).sub_(122.4);
    t.select(1, 2).mul_(4.0).sub_(1.0);
    t.select(1, 3).zero_();
    return t;
  }();
  return p;
}

cpq::VoxelizerOptions base121m() {  // AWML v2.6 base
  cpq::VoxelizerOptions o;
  o.pointCloudRange = {-122.4f, -122.4f, -3.0f, 122.4f, 122.4f, 5.0f};
  o.voxelSize = {0.24f, 0.24f, 8.0f};
  o.maxPointsPerVoxel = 32;
  o.maxVoxels = 96000;
  return o;
}
cpq::VoxelizerOptions demo51m() {
  cpq::VoxelizerOptions o;
  o.pointCloudRange = {-51.2f, -51.2f, -3.0f, 51.2f, 51.2f, 5.0f};
  o.voxelSize = {0.32f, 0.32f, 8.0f};
  o.maxPointsPerVoxel = 32;
  o.maxVoxels = 40000;
  return o;
}

cpq::PillarFeatureOptions featureOptions(const cpq::VoxelizerOptions& v) {
  cpq::PillarFeatureOptions f;
  f.voxelSize = v.voxelSize;
  f.pointCloudRange = v.pointCloudRange;
  return f;
}

void voxelize(benchmark::State& state, cpq::VoxelizerOptions options, const at::Tensor& (*cloud)()) {
  const at::Tensor& points = cloud();
  const cpq::Voxelizer voxelizer(options);
  int64_t pillars = 0;
  for (auto _ : state) {
    cpq::Voxels v = voxelizer.voxelize(points);
    pillars = v.coords.size(0);
    benchmark::DoNotOptimize(v.voxels.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * points.size(0));
  state.counters["points"] = static_cast<double>(points.size(0));
  state.counters["pillars"] = static_cast<double>(pillars);
}

void pillarFeatures(benchmark::State& state, cpq::VoxelizerOptions options, const at::Tensor& (*cloud)()) {
  const at::Tensor& points = cloud();
  const cpq::Voxels voxels = cpq::Voxelizer(options).voxelize(points);
  const cpq::PillarFeatureOptions f = featureOptions(options);
  for (auto _ : state) {
    at::Tensor features = cpq::buildPillarFeatures(voxels, f);
    benchmark::DoNotOptimize(features.data_ptr());
  }
  state.SetItemsProcessed(state.iterations() * points.size(0));
  state.counters["pillars"] = static_cast<double>(voxels.coords.size(0));
  state.counters["pillars/s"] = benchmark::Counter(static_cast<double>(voxels.coords.size(0)),
                                                   benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(voxelize, base121m_64beam, base121m(), sweep64)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(voxelize, base121m_32beam, base121m(), sweep32)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(voxelize, base121m_uniform, base121m(), uniform250k)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(voxelize, demo51m_64beam, demo51m(), sweep64)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(voxelize, demo51m_32beam, demo51m(), sweep32)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pillarFeatures, base121m_64beam, base121m(), sweep64)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pillarFeatures, base121m_uniform, base121m(), uniform250k)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(pillarFeatures, demo51m_64beam, demo51m(), sweep64)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  at::set_num_threads(1);  // the figures are per core
  at::manual_seed(7);      // uniform250k is the same cloud on every run
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
