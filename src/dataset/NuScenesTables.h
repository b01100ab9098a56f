#pragma once
// The nuScenes / T4dataset relational tables (docs/dataset.md, 'Tables and fields used'), parsed and
// cross-referenced: every token a record refers to is resolved to a row index once, so the reader never looks
// a token up twice, and a dangling or duplicate token is reported with the file and the token.
//
// To keep a trainval-sized set small, sample_data keeps only the rows of one lidar channel and ego_pose only
// the rows those rows use; the other tables are kept whole. The duplicate-token check covers the rows kept.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "dataset/Sample.h"
#include "dataset/TokenIndex.h"

namespace cpq {

// Rows and their token index; the index points into the rows' own token strings, so a Table is never copied.
template <class Row>
struct Table {
  std::vector<Row> rows;
  TokenIndex index;

  Table() = default;
  Table(Table&&) = default;
  Table& operator=(Table&&) = default;
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  uint32_t find(std::string_view token) const { return index.find(token); }
};

struct CategoryRow {
  std::string token, name;
};
struct AttributeRow {
  std::string token, name;
};
struct VisibilityRow {
  std::string token, level;
};
struct InstanceRow {
  std::string token;
  uint32_t category = kNoRow;
};
struct SensorRow {
  std::string token, channel, modality;
};
struct CalibratedSensorRow {
  std::string token;
  uint32_t sensor = kNoRow;
  RigidPose sensorToEgo;
};
struct EgoPoseRow {
  std::string token;
  RigidPose egoToGlobal;
  int64_t timestamp = 0;
};
struct LogRow {
  std::string token, location;
};
struct SceneRow {
  std::string token, name;
  uint32_t log = kNoRow, firstSample = kNoRow, lastSample = kNoRow;
};
struct SampleRow {
  std::string token;
  int64_t timestamp = 0;  // microseconds
  uint32_t scene = kNoRow, prev = kNoRow, next = kNoRow;
};
struct SampleDataRow {
  std::string token, filename;
  int64_t timestamp = 0;
  bool isKeyFrame = false;
  uint32_t sample = kNoRow;  // a sweep's sample is the next keyframe's (kNoRow when the field is empty)
  uint32_t egoPose = kNoRow, calibratedSensor = kNoRow, prev = kNoRow, next = kNoRow;
};
struct SampleAnnotationRow {
  std::string token;
  uint32_t sample = kNoRow, instance = kNoRow, visibility = kNoRow, prev = kNoRow, next = kNoRow;
  std::vector<uint32_t> attributes;
  Eigen::Vector3d translation = Eigen::Vector3d::Zero();  // global box centre
  Eigen::Vector3d size = Eigen::Vector3d::Ones();         // w, l, h
  Eigen::Quaterniond rotation = Eigen::Quaterniond::Identity();
  Eigen::Vector3d velocity = Eigen::Vector3d::Constant(NAN);  // T4 only; NaN when null or absent
  Eigen::Vector3d acceleration = Eigen::Vector3d::Constant(NAN);
  int numLidarPts = 0, numRadarPts = 0;
};
struct MapRow {
  std::string token, filename;
  std::vector<uint32_t> logs;
};

struct TableLoadOptions {
  // The lidar channel whose sample_data is kept; "" picks LIDAR_CONCAT when the sensor table has it (T4),
  // otherwise LIDAR_TOP.
  std::string channel;
};

struct NuScenesTables {
  std::filesystem::path dir;  // the folder holding <table>.json
  std::string channel;        // the lidar channel kept in sampleData

  Table<CategoryRow> category;
  Table<AttributeRow> attribute;
  Table<VisibilityRow> visibility;
  Table<InstanceRow> instance;
  Table<SensorRow> sensor;
  Table<CalibratedSensorRow> calibratedSensor;
  Table<EgoPoseRow> egoPose;
  Table<LogRow> log;
  Table<SceneRow> scene;
  Table<SampleRow> sample;
  Table<SampleDataRow> sampleData;
  Table<SampleAnnotationRow> sampleAnnotation;
  Table<MapRow> map;

  // Reverse indices the JSON does not store (the devkit's sample['data'] / sample['anns']).
  std::vector<uint32_t> sampleKeyframe;                  // per sample: its keyframe sample_data row or kNoRow
  std::vector<std::vector<uint32_t>> sampleAnnotations;  // per sample: annotation rows in table order

  // Loads the 13 tables from `dir`. Throws cpq::Error naming the file and the token on a missing table,
  // invalid JSON, a duplicate token or a token that refers to no record.
  static NuScenesTables load(const std::filesystem::path& dir, const TableLoadOptions& options = {});

  std::string file(std::string_view table) const { return (dir / (std::string(table) + ".json")).string(); }
};

}  // namespace cpq
