// The `synth` generator on one core: items/s = keyframes per CPU second (CPU time, so that the figure holds
// on a shared machine; the generator is single-threaded).
// - BM_SynthDataset: the whole dataset written (demo preset, 32 beams, one sweep per keyframe, nuScenes
//   layout): scene generation, ray casting of keyframe and sweep, labelling, point files, tables, card.
// - BM_SynthKeyframeCast: the keyframe's ray cast and labelling alone (no sweep, no files).
#include <ATen/Parallel.h>
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "synth/KeyframeLabels.h"
#include "synth/SynthDataset.h"
#include "synth/SynthRandom.h"

namespace {

namespace fs = std::filesystem;

void BM_SynthDataset(benchmark::State& state) {
  at::set_num_threads(1);
  cpq::SynthOptions o;
  o.preset = cpq::synthPreset("demo", static_cast<int>(state.range(0)));
  o.scenes = 1;
  o.framesPerScene = 10;
  o.sweepsPerKeyframe = 1;
  const fs::path dir = fs::temp_directory_path() / ("cpq_bench_synth_" + std::to_string(::getpid()));
  int64_t keyframes = 0;
  for (auto _ : state) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    o.seed = static_cast<uint64_t>(keyframes);
    keyframes += cpq::writeSynthDataset(o, dir.string()).keyframes;
  }
  fs::remove_all(dir);
  state.SetItemsProcessed(keyframes);
}
BENCHMARK(BM_SynthDataset)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

void BM_SynthKeyframeCast(benchmark::State& state) {
  const cpq::SynthPreset preset = cpq::synthPreset("demo", static_cast<int>(state.range(0)));
  const cpq::LidarRayCaster caster(preset);
  cpq::SynthRandom rng(1);
  const cpq::SynthScene scene = cpq::generateScene(preset, 10, rng);
  const cpq::RigidPose mount = cpq::lidarMounting(preset);
  int64_t frames = 0;
  for (auto _ : state) {
    const double t = 0.5 * static_cast<double>(frames % 10);
    const cpq::FrameRender f = cpq::renderFrame(scene, caster, mount, t, rng, true);
    benchmark::DoNotOptimize(
        cpq::labelKeyframe(scene, f, cpq::RigidPose(), f.egoToGlobal * mount, preset.annotationRange));
    ++frames;
  }
  state.SetItemsProcessed(frames);
}
BENCHMARK(BM_SynthKeyframeCast)->Arg(32)->Arg(64)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
