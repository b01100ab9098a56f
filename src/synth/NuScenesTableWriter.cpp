#include "synth/NuScenesTableWriter.h"

#include <cstdio>

#include "core/AtomicFile.h"
#include "synth/ObjectShapes.h"
#include "synth/SynthRandom.h"

namespace cpq {
namespace {

const char* kAttributes[] = {
    "vehicle.moving",      "vehicle.stopped",   "vehicle.parked",      "cycle.with_rider",
    "cycle.without_rider", "pedestrian.moving", "pedestrian.standing", "pedestrian.sitting_lying_down"};
const char* kVisibility[] = {"v0-40", "v40-60", "v60-80", "v80-100"};

// FNV-1a of the kind, so each record kind has its own token space.
uint64_t kindHash(const std::string& kind) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : kind) h = (h ^ ch) * 1099511628211ULL;
  return h;
}

}  // namespace

nlohmann::json quaternionJson(const Eigen::Quaterniond& q) { return {q.w(), q.x(), q.y(), q.z()}; }
nlohmann::json vectorJson(const Eigen::Vector3d& v) { return {v.x(), v.y(), v.z()}; }

NuScenesTableWriter::NuScenesTableWriter(uint64_t seed, const std::string& channel) : seed_(seed) {
  sensorToken_ = token("sensor", 0);
  sensor_.push_back({{"token", sensorToken_}, {"channel", channel}, {"modality", "lidar"}});
  for (int c = 0; c < kNumObjectClasses; ++c) {
    const std::string name = objectCategory(static_cast<ObjectClass>(c));
    category_.push_back(
        {{"token", categoryToken(name)}, {"name", name}, {"description", "synthetic " + name}});
  }
  for (const char* name : kAttributes)
    attribute_.push_back({{"token", attributeToken(name)}, {"name", name}, {"description", ""}});
  for (int level = 1; level <= 4; ++level)
    visibility_.push_back({{"token", visibilityToken(level)},
                           {"level", kVisibility[level - 1]},
                           {"description", "share of the object's lidar rays not blocked by others"}});
}

std::string NuScenesTableWriter::token(const std::string& kind, uint64_t a, uint64_t b, uint64_t c) const {
  const uint64_t k = kindHash(kind);
  const uint64_t hi = mixSeed(mixSeed(seed_, k, a), b, c), lo = mixSeed(hi, k ^ 0x5bd1e995ULL, c);
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return buf;
}

std::string NuScenesTableWriter::categoryToken(const std::string& name) const {
  return token("category:" + name, 0);
}

std::string NuScenesTableWriter::attributeToken(const std::string& name) const {
  return token("attribute:" + name, 0);
}

void NuScenesTableWriter::addLog(const std::string& tok, const std::string& logfile,
                                 const std::string& location) {
  log_.push_back({{"token", tok},
                  {"logfile", logfile},
                  {"vehicle", "synth-ego"},
                  {"date_captured", "2020-09-13"},
                  {"location", location}});
}

void NuScenesTableWriter::addMap(const std::string& tok, const std::string& logToken,
                                 const std::string& filename) {
  map_.push_back(
      {{"token", tok}, {"log_tokens", {logToken}}, {"category", "semantic_prior"}, {"filename", filename}});
}

void NuScenesTableWriter::addCalibratedSensor(const std::string& tok, const RigidPose& p) {
  calibratedSensor_.push_back({{"token", tok},
                               {"sensor_token", sensorToken_},
                               {"translation", vectorJson(p.translation)},
                               {"rotation", quaternionJson(p.rotation)},
                               {"camera_intrinsic", nlohmann::json::array()}});
}

void NuScenesTableWriter::addEgoPose(const std::string& tok, int64_t timestamp, const RigidPose& p) {
  egoPose_.push_back({{"token", tok},
                      {"timestamp", timestamp},
                      {"translation", vectorJson(p.translation)},
                      {"rotation", quaternionJson(p.rotation)}});
}

void NuScenesTableWriter::addScene(const std::string& tok, const std::string& name,
                                   const std::string& logToken, int samples, const std::string& first,
                                   const std::string& last) {
  scene_.push_back({{"token", tok},
                    {"name", name},
                    {"description", "synthetic street scene"},
                    {"log_token", logToken},
                    {"nbr_samples", samples},
                    {"first_sample_token", first},
                    {"last_sample_token", last}});
}

size_t NuScenesTableWriter::addSample(const std::string& tok, int64_t timestamp,
                                      const std::string& sceneToken) {
  sample_.push_back(
      {{"token", tok}, {"timestamp", timestamp}, {"scene_token", sceneToken}, {"prev", ""}, {"next", ""}});
  return sample_.size() - 1;
}

size_t NuScenesTableWriter::addSampleData(const std::string& tok, const std::string& sampleToken,
                                          const std::string& egoPoseToken, const std::string& csToken,
                                          const std::string& filename, int64_t timestamp, bool isKeyFrame) {
  sampleData_.push_back({{"token", tok},
                         {"sample_token", sampleToken},
                         {"ego_pose_token", egoPoseToken},
                         {"calibrated_sensor_token", csToken},
                         {"filename", filename},
                         {"fileformat", "pcd"},
                         {"timestamp", timestamp},
                         {"is_key_frame", isKeyFrame},
                         {"height", 0},
                         {"width", 0},
                         {"prev", ""},
                         {"next", ""}});
  return sampleData_.size() - 1;
}

size_t NuScenesTableWriter::addAnnotation(nlohmann::json record) {
  record["prev"] = "";
  record["next"] = "";
  annotation_.push_back(std::move(record));
  return annotation_.size() - 1;
}

void NuScenesTableWriter::addInstance(const std::string& tok, const std::string& categoryToken,
                                      int annotations, const std::string& first, const std::string& last) {
  instance_.push_back({{"token", tok},
                       {"category_token", categoryToken},
                       {"nbr_annotations", annotations},
                       {"first_annotation_token", first},
                       {"last_annotation_token", last}});
}

void NuScenesTableWriter::link(nlohmann::json& table, const std::vector<size_t>& rows) {
  for (size_t i = 0; i < rows.size(); ++i) {
    table[rows[i]]["prev"] = i > 0 ? table[rows[i - 1]]["token"] : nlohmann::json("");
    table[rows[i]]["next"] = i + 1 < rows.size() ? table[rows[i + 1]]["token"] : nlohmann::json("");
  }
}

void NuScenesTableWriter::write(const std::string& dir) const {
  const std::pair<const char*, const nlohmann::json*> tables[] = {{"attribute", &attribute_},
                                                                  {"calibrated_sensor", &calibratedSensor_},
                                                                  {"category", &category_},
                                                                  {"ego_pose", &egoPose_},
                                                                  {"instance", &instance_},
                                                                  {"log", &log_},
                                                                  {"map", &map_},
                                                                  {"sample", &sample_},
                                                                  {"sample_annotation", &annotation_},
                                                                  {"sample_data", &sampleData_},
                                                                  {"scene", &scene_},
                                                                  {"sensor", &sensor_},
                                                                  {"visibility", &visibility_}};
  for (const auto& [name, table] : tables)
    writeStringAtomically(dir + "/" + name + ".json", table->dump(1) + "\n");
}

}  // namespace cpq
