#pragma once
// Builds the 13 nuScenes tables (the schema of the nuScenes paper and of the devkit's nuscenes.py, which
// loads them; docs/synthetic_dataset.md lists what is written) record by record and writes them as
// <dir>/<table>.json. Tokens are 32 hex digits hashed from (dataset seed, record kind, indices), so they are
// unique, stable and do not depend on the order records are made in. nlohmann::json sorts keys and prints
// doubles in shortest round-trip form, so the files are byte-identical for the same input.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "dataset/Sample.h"

namespace cpq {

class NuScenesTableWriter {
 public:
  // Adds the fixed tables: sensor (one lidar `channel`), category, attribute, visibility.
  NuScenesTableWriter(uint64_t seed, const std::string& channel);

  std::string token(const std::string& kind, uint64_t a, uint64_t b = 0, uint64_t c = 0) const;

  std::string categoryToken(const std::string& name) const;
  std::string attributeToken(const std::string& name) const;
  std::string visibilityToken(int level) const { return std::to_string(level); }  // nuScenes: "1".."4"
  const std::string& sensorToken() const { return sensorToken_; }

  void addLog(const std::string& token, const std::string& logfile, const std::string& location);
  // A map record (category semantic_prior) whose mask PNG, filename relative to the dataroot, covers one log.
  void addMap(const std::string& token, const std::string& logToken, const std::string& filename);
  void addCalibratedSensor(const std::string& token, const RigidPose& sensorToEgo);
  void addEgoPose(const std::string& token, int64_t timestamp, const RigidPose& egoToGlobal);
  void addScene(const std::string& token, const std::string& name, const std::string& logToken, int samples,
                const std::string& firstSample, const std::string& lastSample);
  // Records with prev/next are appended with empty links; link* set them for the chain given by indices.
  size_t addSample(const std::string& token, int64_t timestamp, const std::string& sceneToken);
  size_t addSampleData(const std::string& token, const std::string& sampleToken,
                       const std::string& egoPoseToken, const std::string& calibratedSensorToken,
                       const std::string& filename, int64_t timestamp, bool isKeyFrame);
  size_t addAnnotation(nlohmann::json record);  // token .. num_radar_pts already set
  void addInstance(const std::string& token, const std::string& categoryToken, int annotations,
                   const std::string& first, const std::string& last);

  void linkSamples(const std::vector<size_t>& rows) { link(sample_, rows); }
  void linkSampleData(const std::vector<size_t>& rows) { link(sampleData_, rows); }
  void linkAnnotations(const std::vector<size_t>& rows) { link(annotation_, rows); }
  const nlohmann::json& annotation(size_t row) const { return annotation_[row]; }

  // Writes the 13 tables into dir (which must exist).
  void write(const std::string& dir) const;

 private:
  static void link(nlohmann::json& table, const std::vector<size_t>& rows);

  uint64_t seed_;
  std::string sensorToken_;
  nlohmann::json attribute_ = nlohmann::json::array(), calibratedSensor_ = nlohmann::json::array(),
                 category_ = nlohmann::json::array(), egoPose_ = nlohmann::json::array(),
                 instance_ = nlohmann::json::array(), log_ = nlohmann::json::array(),
                 map_ = nlohmann::json::array(), sample_ = nlohmann::json::array(),
                 annotation_ = nlohmann::json::array(), sampleData_ = nlohmann::json::array(),
                 scene_ = nlohmann::json::array(), sensor_ = nlohmann::json::array(),
                 visibility_ = nlohmann::json::array();
};

// [w, x, y, z] and [x, y, z] as the tables store them.
nlohmann::json quaternionJson(const Eigen::Quaterniond& q);
nlohmann::json vectorJson(const Eigen::Vector3d& v);

}  // namespace cpq
