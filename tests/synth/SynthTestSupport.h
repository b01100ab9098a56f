#pragma once
// Generated datasets shared by the synth tests: each is written once per test process into a scratch
// folder and removed at exit, so the suites stay well under a minute on one core.
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "support/TempRoot.h"
#include "synth/SynthDataset.h"

namespace cpq::testing {

class GeneratedDataset {
 public:
  GeneratedDataset(const SynthOptions& o, const std::string& name)
      : dir_(tempRoot() / ("cpq_synth_" + std::to_string(::getpid()) + "_" + name)) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    summary_ = writeSynthDataset(o, dir_.string());
  }
  ~GeneratedDataset() { std::filesystem::remove_all(dir_); }
  const std::filesystem::path& dir() const { return dir_; }
  const SynthSummary& summary() const { return summary_; }

 private:
  std::filesystem::path dir_;
  SynthSummary summary_;
};

inline SynthOptions smallOptions(SynthLayout layout, int scenes, int frames, uint64_t seed) {
  SynthOptions o;
  o.preset = synthPreset("demo");
  o.layout = layout;
  o.scenes = scenes;
  o.framesPerScene = frames;
  o.seed = seed;
  return o;
}

// 2 scenes x 4 keyframes, nuScenes layout: the table and round-trip checks.
inline const GeneratedDataset& nuScenesSample() {
  static const GeneratedDataset d(smallOptions(SynthLayout::NuScenes, 2, 4, 7), "nusc");
  return d;
}

// 2 scenes x 4 keyframes, T4 layout.
inline const GeneratedDataset& t4Sample() {
  static const GeneratedDataset d(smallOptions(SynthLayout::T4, 2, 4, 7), "t4");
  return d;
}

inline std::string readAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline nlohmann::json readJson(const std::filesystem::path& p) { return nlohmann::json::parse(readAll(p)); }

// token -> record of one table.
inline std::map<std::string, nlohmann::json> byToken(const nlohmann::json& table) {
  std::map<std::string, nlohmann::json> m;
  for (const auto& r : table) m[r.at("token").get<std::string>()] = r;
  return m;
}

inline std::vector<float> readFloats(const std::filesystem::path& p) {
  const std::string bytes = readAll(p);
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

}  // namespace cpq::testing
