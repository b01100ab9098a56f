#include "synth/SynthDataset.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include "core/AtomicFile.h"
#include "preprocess/PointCloud.h"
#include "synth/DatasetCard.h"
#include "synth/KeyframeLabels.h"
#include "synth/MapMask.h"
#include "synth/NuScenesTableWriter.h"
#include "synth/SynthRandom.h"
#include "synth/SynthWorld.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kFirstTimestamp = 1600000000000000;  // microseconds (2020-09-13)
constexpr int64_t kSceneSpacing = 1000000000;          // 1000 s between scene starts
constexpr int64_t kKeyframePeriodUs = 500000;          // 2 Hz

int64_t micros(double seconds) { return static_cast<int64_t>(std::llround(seconds * 1e6)); }

void writeRows(const std::string& path, std::vector<float>& rows) {
  const int64_t n = static_cast<int64_t>(rows.size() / 5);
  writePcdBin(path, at::from_blob(rows.data(), {n, 5}, at::kFloat));
}

// The scan moved into the stored frame; T4 rows carry ring -1.
std::vector<float> storedRows(const std::vector<float>& rows, const RigidPose& lidarToStored, bool t4) {
  std::vector<float> out(rows);
  const Eigen::Matrix3d rot = lidarToStored.rotation.toRotationMatrix();
  for (size_t i = 0; i < out.size(); i += 5) {
    const Eigen::Vector3f p =
        (rot * Eigen::Vector3d(out[i], out[i + 1], out[i + 2]) + lidarToStored.translation).cast<float>();
    out[i] = p.x();
    out[i + 1] = p.y();
    out[i + 2] = p.z();
    if (t4) out[i + 4] = -1.0f;
  }
  return out;
}

std::string uuidFromToken(const std::string& t) {
  return t.substr(0, 8) + "-" + t.substr(8, 4) + "-" + t.substr(12, 4) + "-" + t.substr(16, 4) + "-" +
         t.substr(20, 12);
}

Eigen::Quaterniond yawQuaternion(double yaw) { return axisRotation(2, yaw); }

// Where one scene's tables and files go.
struct SceneTarget {
  std::string name;                   // scene.name (nuScenes) / dataset id (T4)
  fs::path fileRoot;                  // sample_data filenames are relative to it
  std::string keyframeDir, sweepDir;  // relative to fileRoot
  std::string channel;
};

class SceneWriter {
 public:
  SceneWriter(const SynthOptions& o, int index, const SceneTarget& target, NuScenesTableWriter& tables,
              DatasetCard& card, const LidarRayCaster& caster)
      : o_(o), index_(index), target_(target), tables_(tables), card_(card), caster_(caster) {}

  void write(SynthSummary& summary);

 private:
  bool t4() const { return o_.layout == SynthLayout::T4; }
  std::string fileName(int64_t timestamp, int sequence, bool keyframe) const;
  void writeSweep(double t, int sequence, const std::string& sampleToken, SynthSummary& summary);
  void writeKeyframe(int k, int sequence, const std::string& sampleToken, SynthSummary& summary);
  std::string addSampleData(int sequence, int64_t timestamp, const RigidPose& egoToGlobal,
                            const std::string& sampleToken, const std::string& filename, bool key);
  nlohmann::json annotationRecord(int k, const std::string& sampleToken, const AnnotatedObject& o) const;
  void writeInstances();

  const SynthOptions& o_;
  int index_;
  SceneTarget target_;
  NuScenesTableWriter& tables_;
  DatasetCard& card_;
  const LidarRayCaster& caster_;
  SynthScene scene_;
  MapMaskGrid map_;  // the scene's map frame: the tables' global frame is the world shifted by -map_.origin
  Eigen::Vector3d mapShift_{0, 0, 0};
  RigidPose mounting_, lidarToStored_, csPose_;
  std::string csToken_;
  std::vector<size_t> sampleRows_, sampleDataRows_;
  std::map<int, std::vector<size_t>> annotationRows_;  // actor -> rows, ordered by actor for stable output
  int64_t base_ = 0;
};

std::string SceneWriter::fileName(int64_t timestamp, int sequence, bool keyframe) const {
  char buf[96];
  if (t4())
    std::snprintf(buf, sizeof buf, "%05d.pcd.bin", sequence);
  else
    std::snprintf(buf, sizeof buf, "%s__%s__%lld.pcd.bin", target_.name.c_str(), target_.channel.c_str(),
                  static_cast<long long>(timestamp));
  return (keyframe ? target_.keyframeDir : target_.sweepDir) + "/" + buf;
}

std::string SceneWriter::addSampleData(int sequence, int64_t timestamp, const RigidPose& egoToGlobal,
                                       const std::string& sampleToken, const std::string& filename,
                                       bool key) {
  const std::string tok = tables_.token("sample_data", index_, sequence);
  RigidPose egoToMap = egoToGlobal;
  egoToMap.translation -= mapShift_;
  tables_.addEgoPose(tok, timestamp, egoToMap);  // nuScenes: one ego pose per sample_data, same token
  sampleDataRows_.push_back(tables_.addSampleData(tok, sampleToken, tok, csToken_, filename, timestamp, key));
  return tok;
}

void SceneWriter::writeSweep(double t, int sequence, const std::string& sampleToken, SynthSummary& summary) {
  SynthRandom rng(mixSeed(o_.seed, 0x5eedULL + index_, sequence));
  const FrameRender f = renderFrame(scene_, caster_, mounting_, t, rng, false);
  const int64_t ts = base_ + micros(t);
  const std::string file = fileName(ts, sequence, false);
  std::vector<float> rows = storedRows(f.scan.rows, lidarToStored_, t4());
  writeRows((target_.fileRoot / file).string(), rows);
  addSampleData(sequence, ts, f.egoToGlobal, sampleToken, file, false);
  ++summary.sweeps;
}

nlohmann::json SceneWriter::annotationRecord(int k, const std::string& sampleToken,
                                             const AnnotatedObject& o) const {
  nlohmann::json r = {{"token", tables_.token("sample_annotation", index_, k, o.actor)},
                      {"sample_token", sampleToken},
                      {"instance_token", tables_.token("instance", index_, o.actor)},
                      {"visibility_token", tables_.visibilityToken(o.visibilityLevel)},
                      {"attribute_tokens", {tables_.attributeToken(o.attribute)}},
                      {"translation", vectorJson(o.state.centre - mapShift_)},
                      {"size", {o.size.width, o.size.length, o.size.height}},
                      {"rotation", quaternionJson(yawQuaternion(o.state.yaw))},
                      {"num_lidar_pts", o.numLidarPts},
                      {"num_radar_pts", 0}};
  if (t4()) {
    r["velocity"] = vectorJson(o.state.velocity);
    r["acceleration"] = vectorJson(o.state.acceleration);
  }
  return r;
}

void SceneWriter::writeKeyframe(int k, int sequence, const std::string& sampleToken, SynthSummary& summary) {
  SynthRandom rng(mixSeed(o_.seed, 0x5eedULL + index_, sequence));
  const double t = k * 0.5;
  const FrameRender f = renderFrame(scene_, caster_, mounting_, t, rng, true);
  const RigidPose storedToGlobal = f.egoToGlobal * csPose_;
  LabeledKeyframe kf = labelKeyframe(scene_, f, lidarToStored_, storedToGlobal, o_.preset.annotationRange);
  if (t4())
    for (size_t i = 4; i < kf.rows.size(); i += 5) kf.rows[i] = -1.0f;
  const int64_t ts = base_ + k * kKeyframePeriodUs;
  const std::string file = fileName(ts, sequence, true);
  writeRows((target_.fileRoot / file).string(), kf.rows);
  sampleRows_.push_back(tables_.addSample(sampleToken, ts, tables_.token("scene", index_)));
  addSampleData(sequence, ts, f.egoToGlobal, sampleToken, file, true);
  for (const AnnotatedObject& o : kf.objects)
    annotationRows_[o.actor].push_back(tables_.addAnnotation(annotationRecord(k, sampleToken, o)));
  card_.addKeyframe(scene_, kf);
  ++summary.keyframes;
}

void SceneWriter::writeInstances() {
  for (const auto& [actor, rows] : annotationRows_) {
    tables_.linkAnnotations(rows);
    const std::string category = objectCategory(scene_.actors[actor].cls);
    tables_.addInstance(tables_.token("instance", index_, actor), tables_.categoryToken(category),
                        static_cast<int>(rows.size()), tables_.annotation(rows.front())["token"],
                        tables_.annotation(rows.back())["token"]);
  }
}

void SceneWriter::write(SynthSummary& summary) {
  SynthRandom rng(mixSeed(o_.seed, index_));
  scene_ = generateScene(o_.preset, o_.framesPerScene, rng);
  map_ = mapMaskGrid(scene_);
  mapShift_ = Eigen::Vector3d(map_.origin.x(), map_.origin.y(), 0);
  mounting_ = lidarMounting(o_.preset);
  // T4's LIDAR_CONCAT points are already in base_link: its calibrated_sensor is the identity.
  lidarToStored_ = t4() ? mounting_ : RigidPose();
  csPose_ = t4() ? RigidPose() : mounting_;
  base_ = kFirstTimestamp + index_ * kSceneSpacing;
  const std::string logToken = tables_.token("log", index_), sceneToken = tables_.token("scene", index_);
  csToken_ = tables_.token("calibrated_sensor", index_);
  tables_.addLog(logToken, target_.name, "synth-city");
  tables_.addCalibratedSensor(csToken_, csPose_);
  // One map per scene (each scene is its own place), as the devkit's NuScenes() opens it: dataroot/filename.
  const std::string mapToken = tables_.token("map", index_), mapFile = "maps/" + mapToken + ".png";
  fs::create_directories(target_.fileRoot / "maps");
  writeMapMask((target_.fileRoot / mapFile).string(), scene_, map_);
  tables_.addMap(mapToken, logToken, mapFile);
  const int K = o_.sweepsPerKeyframe;
  int sequence = 0;
  for (int k = 0; k < o_.framesPerScene; ++k) {
    const std::string sampleToken = tables_.token("sample", index_, k);
    for (int j = K; j >= 1; --j)
      writeSweep(k * 0.5 - j / o_.preset.lidarHz, sequence++, sampleToken, summary);
    writeKeyframe(k, sequence++, sampleToken, summary);
  }
  tables_.linkSamples(sampleRows_);
  tables_.linkSampleData(sampleDataRows_);
  writeInstances();
  tables_.addScene(sceneToken, target_.name, logToken, o_.framesPerScene, tables_.token("sample", index_, 0),
                   tables_.token("sample", index_, o_.framesPerScene - 1));
}

std::string splitsYaml(const SynthSummary& s, int valScenes) {
  std::string y = valScenes > 0
                      ? "# synthetic scenes: the last " + std::to_string(valScenes) + " are val\n"
                      : "# synthetic scenes: the last quarter (at least one) is val; one scene is both "
                        "train and val\n";
  for (const auto& [key, names] : {std::pair{"train", &s.trainScenes}, std::pair{"val", &s.valScenes}}) {
    y += std::string(key) + ": [";
    for (size_t i = 0; i < names->size(); ++i) y += (i ? ", " : "") + (*names)[i];
    y += "]\n";
  }
  return y;
}

void assignSplits(SynthSummary& s, const std::vector<std::string>& names, int valScenes) {
  const size_t n = names.size();
  const size_t val =
      valScenes > 0 ? static_cast<size_t>(valScenes) : (n == 1 ? 1 : std::max<size_t>(1, (n + 2) / 4));
  for (size_t i = 0; i < n; ++i) {
    if (n == 1 || i < n - val) s.trainScenes.push_back(names[i]);
    if (i >= n - val) s.valScenes.push_back(names[i]);
  }
}

}  // namespace

SynthSummary writeSynthDataset(const SynthOptions& o, const std::string& dir) {
  validateSynthOptions(o);
  SynthSummary summary;
  DatasetCard card(o);
  const LidarRayCaster caster(o.preset);
  std::vector<std::string> names;
  const bool t4 = o.layout == SynthLayout::T4;
  const std::string channel = t4 ? "LIDAR_CONCAT" : "LIDAR_TOP";
  std::unique_ptr<NuScenesTableWriter> shared;
  if (!t4) {
    shared = std::make_unique<NuScenesTableWriter>(o.seed, channel);
    fs::create_directories(fs::path(dir) / "samples" / channel);
    fs::create_directories(fs::path(dir) / "sweeps" / channel);
  }
  for (int i = 0; i < o.scenes; ++i) {
    SceneTarget target;
    target.channel = channel;
    if (t4) {
      NuScenesTableWriter tables(mixSeed(o.seed, 0x74ULL, i), channel);
      target.name = uuidFromToken(tables.token("dataset_id", i));
      target.fileRoot = fs::path(dir) / target.name / "0";
      target.keyframeDir = target.sweepDir = "data/" + channel;
      fs::create_directories(target.fileRoot / target.keyframeDir);
      fs::create_directories(target.fileRoot / "annotation");
      fs::create_directories(target.fileRoot / "map");
      SceneWriter(o, i, target, tables, card, caster).write(summary);
      tables.write((target.fileRoot / "annotation").string());
      writeStringAtomically(
          (target.fileRoot / "status.json").string(),
          nlohmann::json(
              {{"dataset_id", target.name}, {"version", 0}, {"generator", "centerpoint-quant synth"}})
                  .dump(1) +
              "\n");
    } else {
      char name[32];
      std::snprintf(name, sizeof name, "scene-%04d", i + 1);
      target.name = name;
      target.fileRoot = dir;
      target.keyframeDir = "samples/" + channel;
      target.sweepDir = "sweeps/" + channel;
      SceneWriter(o, i, target, *shared, card, caster).write(summary);
    }
    names.push_back(target.name);
  }
  if (shared) {
    fs::create_directories(fs::path(dir) / "v1.0-trainval");
    shared->write((fs::path(dir) / "v1.0-trainval").string());
  }
  assignSplits(summary, names, o.valScenes);
  writeStringAtomically((fs::path(dir) / "splits.yaml").string(), splitsYaml(summary, o.valScenes));
  summary.card = card.toJson();
  writeStringAtomically((fs::path(dir) / "dataset_card.json").string(), summary.card.dump(2) + "\n");
  return summary;
}

}  // namespace cpq
