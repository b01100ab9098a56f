// Loading nuScenes tables: a generated trainval-sized table set (850 scenes x 40 samples, 35 annotations per
// sample = 1.19 M annotations, a lidar sweep and a camera frame per sample) written once to a scratch folder.
// BM_LoadTables: NuScenesTables::load (parse + cross-reference); BM_OpenDataset: DetectionDataset::open
// (tables + keyframes, sweeps, GT velocities). annotations/s = sample_annotation records per second.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "dataset/DetectionDataset.h"
#include "dataset/NuScenesTables.h"

namespace {

namespace fs = std::filesystem;

constexpr int kScenes = 850;
constexpr int kSamplesPerScene = 40;
constexpr int kAnnotationsPerSample = 35;
constexpr int64_t kAnnotations = int64_t{kScenes} * kSamplesPerScene * kAnnotationsPerSample;

// Tokens look like the real ones: 32 hex digits, unique per table through the prefix.
std::string token(unsigned table, int64_t i) { return fmt::format("{:08x}{:024x}", table, i); }

std::string link(unsigned table, int64_t i, bool present) { return present ? token(table, i) : ""; }

// A table in the devkit's json.dump(indent=0) layout, written record by record.
class TableFile {
 public:
  explicit TableFile(const fs::path& path) : out_(path) { out_ << "[\n"; }
  ~TableFile() { out_ << "\n]\n"; }
  void record(const std::string& body) {
    out_ << (first_ ? "" : ",\n") << "{\n" << body << "\n}";
    first_ = false;
  }

 private:
  std::ofstream out_;
  bool first_ = true;
};

enum Table : unsigned { kScene = 1, kSample, kSampleData, kEgoPose, kAnnotation, kInstance };

void writeVocabularies(const fs::path& dir) {
  {
    TableFile sensors(dir / "sensor.json");
    sensors.record("\"token\": \"s_lidar\",\n\"channel\": \"LIDAR_TOP\",\n\"modality\": \"lidar\"");
    sensors.record("\"token\": \"s_cam\",\n\"channel\": \"CAM_FRONT\",\n\"modality\": \"camera\"");
  }
  {
    TableFile cs(dir / "calibrated_sensor.json");
    cs.record(
        "\"token\": \"cs_lidar\",\n\"sensor_token\": \"s_lidar\",\n\"translation\": "
        "[\n0.94,\n0.0,\n1.84\n],\n"
        "\"rotation\": [\n0.7071,\n0.0,\n0.0,\n0.7071\n],\n\"camera_intrinsic\": []");
    cs.record(
        "\"token\": \"cs_cam\",\n\"sensor_token\": \"s_cam\",\n\"translation\": [\n1.7,\n0.0,\n1.5\n],\n"
        "\"rotation\": [\n0.5,\n-0.5,\n0.5,\n-0.5\n],\n\"camera_intrinsic\": []");
  }
  {
    TableFile category(dir / "category.json");
    category.record("\"token\": \"cat_car\",\n\"name\": \"vehicle.car\",\n\"description\": \"\"");
    category.record("\"token\": \"cat_ped\",\n\"name\": \"human.pedestrian.adult\",\n\"description\": \"\"");
  }
  TableFile(dir / "attribute.json")
      .record("\"token\": \"attr\",\n\"name\": \"vehicle.moving\",\n\"description\": \"\"");
  TableFile(dir / "visibility.json")
      .record("\"token\": \"4\",\n\"level\": \"v80-100\",\n\"description\": \"\"");
  TableFile(dir / "log.json").record("\"token\": \"log\",\n\"location\": \"singapore-onenorth\"");
  TableFile(dir / "map.json")
      .record("\"token\": \"map\",\n\"log_tokens\": [\n\"log\"\n],\n\"filename\": \"\"");
}

void writeScenes(const fs::path& dir) {
  TableFile scenes(dir / "scene.json");
  TableFile instances(dir / "instance.json");
  for (int s = 0; s < kScenes; ++s) {
    const int64_t first = int64_t{s} * kSamplesPerScene, last = first + kSamplesPerScene - 1;
    scenes.record(fmt::format(
        "\"token\": \"{}\",\n\"log_token\": \"log\",\n\"nbr_samples\": {},\n\"first_sample_token\": \"{}\",\n"
        "\"last_sample_token\": \"{}\",\n\"name\": \"scene-{:04d}\",\n\"description\": \"generated\"",
        token(kScene, s), kSamplesPerScene, token(kSample, first), token(kSample, last), s + 1));
    for (int k = 0; k < kAnnotationsPerSample; ++k) {
      instances.record(fmt::format("\"token\": \"{}\",\n\"category_token\": \"{}\",\n\"nbr_annotations\": {}",
                                   token(kInstance, int64_t{s} * kAnnotationsPerSample + k),
                                   k % 3 ? "cat_car" : "cat_ped", kSamplesPerScene));
    }
  }
}

// Per sample: a sweep (sample_data 3i), the keyframe (3i + 1) and a camera frame (3i + 2), each with a pose.
void writeSamples(const fs::path& dir) {
  TableFile samples(dir / "sample.json");
  TableFile data(dir / "sample_data.json");
  TableFile poses(dir / "ego_pose.json");
  for (int64_t i = 0; i < int64_t{kScenes} * kSamplesPerScene; ++i) {
    const int64_t scene = i / kSamplesPerScene, k = i % kSamplesPerScene;
    const int64_t t = 1'500'000'000'000'000 + scene * 100'000'000 + k * 500'000;
    const bool hasPrev = k > 0, hasNext = k + 1 < kSamplesPerScene;
    samples.record(
        fmt::format("\"token\": \"{}\",\n\"timestamp\": {},\n\"prev\": \"{}\",\n\"next\": \"{}\",\n"
                    "\"scene_token\": \"{}\"",
                    token(kSample, i), t, link(kSample, i - 1, hasPrev), link(kSample, i + 1, hasNext),
                    token(kScene, scene)));
    const int64_t sweep = 3 * i, key = 3 * i + 1, cam = 3 * i + 2;
    auto sd = [&](int64_t row, int64_t time, bool isKey, const char* cs, const std::string& prev,
                  const std::string& next, const char* file) {
      data.record(fmt::format(
          "\"token\": \"{}\",\n\"sample_token\": \"{}\",\n\"ego_pose_token\": \"{}\",\n"
          "\"calibrated_sensor_token\": \"{}\",\n\"timestamp\": {},\n\"fileformat\": \"pcd\",\n"
          "\"is_key_frame\": {},\n\"height\": 0,\n\"width\": 0,\n\"filename\": \"{}/{}.pcd.bin\",\n"
          "\"prev\": \"{}\",\n\"next\": \"{}\"",
          token(kSampleData, row), token(kSample, i), token(kEgoPose, row), cs, time,
          isKey ? "true" : "false", file, token(kSampleData, row), prev, next));
      poses.record(
          fmt::format("\"token\": \"{}\",\n\"timestamp\": {},\n\"rotation\": [\n0.9,\n0.0,\n0.0,\n"
                      "0.4358898943540674\n],\n\"translation\": [\n{},\n{},\n0.0\n]",
                      token(kEgoPose, row), time, 400.0 + k, 1000.0 + scene));
    };
    sd(sweep, t - 250'000, false, "cs_lidar", link(kSampleData, sweep - 2, hasPrev), token(kSampleData, key),
       "sweeps/LIDAR_TOP");
    sd(key, t, true, "cs_lidar", token(kSampleData, sweep), link(kSampleData, sweep + 3, hasNext),
       "samples/LIDAR_TOP");
    sd(cam, t + 10, true, "cs_cam", "", "", "samples/CAM_FRONT");
  }
}

void writeAnnotations(const fs::path& dir) {
  TableFile anns(dir / "sample_annotation.json");
  for (int64_t i = 0; i < int64_t{kScenes} * kSamplesPerScene; ++i) {
    const int64_t scene = i / kSamplesPerScene, k = i % kSamplesPerScene;
    for (int a = 0; a < kAnnotationsPerSample; ++a) {
      const int64_t row = i * kAnnotationsPerSample + a;
      anns.record(fmt::format(
          "\"token\": \"{}\",\n\"sample_token\": \"{}\",\n\"instance_token\": \"{}\",\n\"visibility_token\": "
          "\"4\",\n\"attribute_tokens\": [\n\"attr\"\n],\n\"translation\": "
          "[\n{:.3f},\n{:.3f},\n1.{:03d}\n],\n"
          "\"size\": [\n1.9,\n4.6,\n1.7\n],\n\"rotation\": [\n0.9238795325112867,\n0.0,\n0.0,\n"
          "0.3826834323650898\n],\n\"prev\": \"{}\",\n\"next\": \"{}\",\n\"num_lidar_pts\": {},\n"
          "\"num_radar_pts\": {}",
          token(kAnnotation, row), token(kSample, i), token(kInstance, scene * kAnnotationsPerSample + a),
          400.0 + a * 3.1 + k * 0.5, 1000.0 + scene - a * 0.7, a,
          link(kAnnotation, row - kAnnotationsPerSample, k > 0),
          link(kAnnotation, row + kAnnotationsPerSample, k + 1 < kSamplesPerScene), 5 + a * 7, a % 4));
    }
  }
}

fs::path& benchRoot() {
  static fs::path root;
  return root;
}

void generate(const fs::path& root) {
  const fs::path dir = root / "v1.0-trainval";
  fs::create_directories(dir);
  writeVocabularies(dir);
  writeScenes(dir);
  writeSamples(dir);
  writeAnnotations(dir);
}

void BM_LoadTables(benchmark::State& state) {
  const fs::path dir = benchRoot() / "v1.0-trainval";
  for (auto _ : state) {
    cpq::NuScenesTables tables = cpq::NuScenesTables::load(dir);
    benchmark::DoNotOptimize(tables.sampleAnnotation.rows.data());
  }
  state.counters["annotations/s"] =
      benchmark::Counter(static_cast<double>(kAnnotations) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["annotation_MB/s"] = benchmark::Counter(
      static_cast<double>(fs::file_size(dir / "sample_annotation.json")) / 1e6 * state.iterations(),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LoadTables)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

void BM_OpenDataset(benchmark::State& state) {
  cpq::DatasetOptions options;
  options.dataRoot = benchRoot().string();
  options.classNames = {"car", "truck", "bus", "bicycle", "pedestrian"};
  for (auto _ : state) {
    cpq::DetectionDataset ds = cpq::DetectionDataset::open(options);
    benchmark::DoNotOptimize(ds.size());
  }
  state.counters["annotations/s"] =
      benchmark::Counter(static_cast<double>(kAnnotations) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_OpenDataset)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // CPQ_BENCH_DATASET_DIR keeps the generated set there (generated once) for profiling; else a scratch
  // folder.
  const char* keep = std::getenv("CPQ_BENCH_DATASET_DIR");
  const char* tmp = std::getenv("TMPDIR");
  benchRoot() = keep && *keep ? fs::path(keep)
                              : fs::path(tmp && *tmp ? tmp : "/tmp") /
                                    ("cpq_bench_dataset_" + std::to_string(::getpid()));
  if (!(keep && *keep) || !fs::exists(benchRoot() / "v1.0-trainval/sample_annotation.json")) {
    fs::remove_all(benchRoot());
    generate(benchRoot());
  }
  std::fprintf(stderr, "%lld annotations (sample_annotation.json %.0f MB) in %s\n",
               static_cast<long long>(kAnnotations),
               static_cast<double>(fs::file_size(benchRoot() / "v1.0-trainval/sample_annotation.json")) / 1e6,
               benchRoot().c_str());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!(keep && *keep)) fs::remove_all(benchRoot());
  return 0;
}
