// Per-stage CPU latency of one frame for the demo and the AWML v2.6 base configs: voxelization + pillar
// features, pts_voxel_encoder, scatter, backbone, neck, head, decode. Seeded random weights (latency does
// not depend on the values, except decode, whose candidates depend on the heatmap).
//   bench_forward [--benchmark_filter=demo] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <torch/nn.h>

#include "config/CenterPointConfig.h"
#include "decode/Decoder.h"
#include "infer/InferencePipeline.h"
#include "model/CenterPoint.h"
#include "preprocess/PillarFeatures.h"
#include "preprocess/PointCloud.h"
#include "preprocess/Voxelizer.h"
#include "synth/DemoCloud.h"

namespace {

using namespace cpq;

struct Frame {
  CenterPointConfig cfg;
  CenterPoint model{nullptr};
  at::Tensor raw, features, coords, pillars, spatial;
  std::vector<at::Tensor> backboneOut;
  at::Tensor neckOut;
  HeadOutputs head;
  std::shared_ptr<Voxelizer> voxelizer;  // keeps its cell map between frames, as a deployed node would
};

Frame prepare(const std::string& configPath) {
  Frame f;
  f.cfg = loadConfig(configPath);
  f.model = makeRandomCenterPoint(f.cfg, 0);
  f.model->eval();
  DemoCloudOptions o;
  o.maxRange = std::min(f.cfg.pointCloudRange[3], 100.0f);
  o.beams = 64;
  o.numObjects = 40;
  f.raw = selectPointFeatures(makeDemoCloud(o, 0), f.cfg.voxelEncoder.useIntensity());
  torch::NoGradGuard g;
  VoxelizerOptions vo{f.cfg.pointCloudRange, f.cfg.voxelSize, f.cfg.voxelLayer.maxNumPoints,
                      f.cfg.voxelLayer.maxVoxelsTest};
  f.voxelizer = std::make_shared<Voxelizer>(vo);
  const Voxels v = f.voxelizer->voxelize(f.raw);
  f.features = buildPillarFeatures(
      v, {f.cfg.voxelSize, f.cfg.pointCloudRange, f.cfg.voxelEncoder.withZCenterOffset()});
  f.coords = v.coords;
  f.pillars = f.model->encodePillars(f.features);
  f.spatial = f.model->scatter(f.pillars, f.coords, 1);
  f.backboneOut = f.model->pts_backbone->forward(f.spatial);
  f.neckOut = f.model->pts_neck->forward(f.backboneOut);
  f.head = f.model->pts_bbox_head->forward(f.neckOut);
  return f;
}

// Prepared on first use, so that a --benchmark_filter for one config does not pay for the other's forward.
class LazyFrame {
 public:
  explicit LazyFrame(std::string path) : path_(std::move(path)) {}
  Frame& get() {
    if (!frame_) frame_ = std::make_unique<Frame>(prepare(path_));
    return *frame_;
  }

 private:
  std::string path_;
  std::unique_ptr<Frame> frame_;
};

void registerStages(const std::string& name, const std::string& configPath, int iterations) {
  auto lazy = std::make_shared<LazyFrame>(configPath);
  auto add = [&](const std::string& stage, std::function<void(Frame&)> fn) {
    auto* b = benchmark::RegisterBenchmark((name + "/" + stage).c_str(), [lazy, fn](benchmark::State& st) {
      torch::NoGradGuard g;
      Frame& f = lazy->get();
      for (auto _ : st) fn(f);
    });
    b->Unit(benchmark::kMillisecond)->UseRealTime();
    if (iterations > 0) b->Iterations(iterations);
  };
  add("voxelize+features", [](Frame& f) {
    const Voxels v = f.voxelizer->voxelize(f.raw);
    benchmark::DoNotOptimize(buildPillarFeatures(
        v, {f.cfg.voxelSize, f.cfg.pointCloudRange, f.cfg.voxelEncoder.withZCenterOffset()}));
  });
  add("pts_voxel_encoder", [](Frame& f) { benchmark::DoNotOptimize(f.model->encodePillars(f.features)); });
  add("scatter", [](Frame& f) { benchmark::DoNotOptimize(f.model->scatter(f.pillars, f.coords, 1)); });
  add("pts_backbone", [](Frame& f) { benchmark::DoNotOptimize(f.model->pts_backbone->forward(f.spatial)); });
  add("pts_neck", [](Frame& f) { benchmark::DoNotOptimize(f.model->pts_neck->forward(f.backboneOut)); });
  add("pts_bbox_head",
      [](Frame& f) { benchmark::DoNotOptimize(f.model->pts_bbox_head->forward(f.neckOut)); });
  add("decode", [](Frame& f) { benchmark::DoNotOptimize(decode(f.head, decoderOptionsFor(f.cfg), 0)); });
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const std::string root = CPQ_SOURCE_DIR;
  registerStages("demo", root + "/configs/demo.yaml", 0);
  registerStages("awml_v2.6_base", root + "/configs/awml/centerpoint_121m_base.yaml", 2);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
