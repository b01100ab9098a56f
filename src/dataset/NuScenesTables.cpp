#include "dataset/NuScenesTables.h"

#include <utility>

#include "dataset/JsonTables.h"

namespace cpq {

namespace {

namespace sj = simdjson::ondemand;
using json::FieldError;

// prev / next tokens of a table that links to itself, resolved once the whole table is indexed. The views
// point into the TableReader's buffers, which outlive the resolution.
struct Links {
  std::string_view prev, next;
};

template <class Row>
void buildIndex(Table<Row>& table, const std::string& file) {
  table.index.reserve(table.rows.size());
  for (uint32_t i = 0; i < table.rows.size(); ++i) {
    const uint32_t earlier = table.index.insert(table.rows[i].token, i);
    if (earlier != kNoRow) {
      throw fileError(file, "duplicate token " + table.rows[i].token + " (rows " + std::to_string(earlier) +
                                " and " + std::to_string(i) + ")");
    }
  }
}

// A reference to `table`: "" gives kNoRow, a token that is not there throws.
template <class Row>
uint32_t resolve(const Table<Row>& table, std::string_view token, std::string_view field,
                 std::string_view tableName) {
  if (token.empty()) return kNoRow;
  const uint32_t row = table.find(token);
  if (row == kNoRow) {
    throw FieldError(std::string(field) + " " + std::string(token) + " is not in " + std::string(tableName) +
                     ".json");
  }
  return row;
}

template <class Row>
uint32_t resolveRequired(const Table<Row>& table, std::string_view token, std::string_view field,
                         std::string_view tableName) {
  if (token.empty()) throw FieldError(std::string(field) + " is empty");
  return resolve(table, token, field, tableName);
}

// Resolves the prev / next links of a self-linked table after it is indexed.
template <class Row>
void resolveLinks(Table<Row>& table, const std::vector<Links>& links, const std::string& file,
                  std::string_view tableName) {
  for (size_t i = 0; i < table.rows.size(); ++i) {
    try {
      table.rows[i].prev = resolve(table, links[i].prev, "prev", tableName);
      table.rows[i].next = resolve(table, links[i].next, "next", tableName);
    } catch (const FieldError& e) {
      throw fileError(file, std::string(tableName) + " " + table.rows[i].token + ": " + e.what());
    }
  }
}

template <class Row, class OnField>
Table<Row> readIndexed(const NuScenesTables& t, std::string_view name, OnField&& onField) {
  Table<Row> table;
  table.rows = json::readTable<Row>(t.file(name), std::forward<OnField>(onField));
  buildIndex(table, t.file(name));
  return table;
}

void loadVocabularies(NuScenesTables& t) {
  t.category = readIndexed<CategoryRow>(t, "category", [](CategoryRow& r, std::string_view key, sj::value v) {
    if (key == "name") r.name = json::string(v);
  });
  t.attribute =
      readIndexed<AttributeRow>(t, "attribute", [](AttributeRow& r, std::string_view key, sj::value v) {
        if (key == "name") r.name = json::string(v);
      });
  t.visibility =
      readIndexed<VisibilityRow>(t, "visibility", [](VisibilityRow& r, std::string_view key, sj::value v) {
        if (key == "level") r.level = json::string(v);
      });
  t.instance =
      readIndexed<InstanceRow>(t, "instance", [&t](InstanceRow& r, std::string_view key, sj::value v) {
        if (key == "category_token")
          r.category = resolveRequired(t.category, json::string(v), key, "category");
      });
  t.log = readIndexed<LogRow>(t, "log", [](LogRow& r, std::string_view key, sj::value v) {
    if (key == "location") r.location = json::string(v);
  });
}

// LIDAR_CONCAT for T4's merged cloud when the sensor table has it, else LIDAR_TOP; an explicit channel must
// exist.
std::string pickChannel(const NuScenesTables& t, const std::string& requested) {
  auto has = [&t](const std::string& channel) {
    for (const SensorRow& s : t.sensor.rows) {
      if (s.channel == channel) return true;
    }
    return false;
  };
  if (requested.empty() && has("LIDAR_CONCAT")) return "LIDAR_CONCAT";
  const std::string channel = requested.empty() ? "LIDAR_TOP" : requested;
  if (has(channel)) return channel;
  std::string known;
  for (const SensorRow& s : t.sensor.rows) known += (known.empty() ? "" : ", ") + s.channel;
  throw fileError(t.file("sensor"), "no sensor with channel " + channel + " (channels: " + known + ")");
}

void loadSensors(NuScenesTables& t, const TableLoadOptions& options) {
  t.sensor = readIndexed<SensorRow>(t, "sensor", [](SensorRow& r, std::string_view key, sj::value v) {
    if (key == "channel") r.channel = json::string(v);
    if (key == "modality") r.modality = json::string(v);
  });
  t.channel = pickChannel(t, options.channel);
  t.calibratedSensor = readIndexed<CalibratedSensorRow>(
      t, "calibrated_sensor", [&t](CalibratedSensorRow& r, std::string_view key, sj::value v) {
        if (key == "sensor_token") r.sensor = resolveRequired(t.sensor, json::string(v), key, "sensor");
        if (key == "translation") r.sensorToEgo.translation = json::vector3(v);
        if (key == "rotation") r.sensorToEgo.rotation = json::quaternion(v).normalized();
      });
}

void loadScenesAndSamples(NuScenesTables& t) {
  json::TableReader scenes(t.file("scene"));
  std::vector<Links> sceneEnds;  // first / last sample tokens, resolved once samples are indexed
  Links pending;
  t.scene.rows = scenes.read<SceneRow>(
      [&](SceneRow& r, std::string_view key, sj::value v) {
        if (key == "name") r.name = json::string(v);
        if (key == "log_token") r.log = resolveRequired(t.log, json::string(v), key, "log");
        if (key == "first_sample_token") pending.prev = json::string(v);
        if (key == "last_sample_token") pending.next = json::string(v);
      },
      [&](const SceneRow&) {
        sceneEnds.push_back(std::exchange(pending, {}));
        return true;
      });
  buildIndex(t.scene, t.file("scene"));

  json::TableReader samples(t.file("sample"));
  std::vector<Links> links;
  t.sample.rows = samples.read<SampleRow>(
      [&](SampleRow& r, std::string_view key, sj::value v) {
        if (key == "timestamp") r.timestamp = json::integer(v);
        if (key == "scene_token") r.scene = resolveRequired(t.scene, json::string(v), key, "scene");
        if (key == "prev") pending.prev = json::string(v);
        if (key == "next") pending.next = json::string(v);
      },
      [&](const SampleRow&) {
        links.push_back(std::exchange(pending, {}));
        return true;
      });
  buildIndex(t.sample, t.file("sample"));
  resolveLinks(t.sample, links, t.file("sample"), "sample");

  for (size_t i = 0; i < t.scene.rows.size(); ++i) {
    SceneRow& scene = t.scene.rows[i];
    try {
      scene.firstSample = resolveRequired(t.sample, sceneEnds[i].prev, "first_sample_token", "sample");
      scene.lastSample = resolveRequired(t.sample, sceneEnds[i].next, "last_sample_token", "sample");
    } catch (const FieldError& e) {
      throw fileError(t.file("scene"), "scene " + scene.token + ": " + e.what());
    }
  }
}

// A record whose required link field is absent keeps kNoRow there (a field that is present but empty or
// dangling is refused while the record is parsed); loadSampleData and SampleBuilder index rows by these
// fields, so an absent one is refused here (found by fuzz/tables_fuzzer).
template <class Row>
void requireLink(const Table<Row>& table, uint32_t Row::*field, const std::string& file,
                 std::string_view tableName, std::string_view fieldName) {
  for (const Row& r : table.rows) {
    if (r.*field == kNoRow) {
      throw fileError(file, std::string(tableName) + " " + r.token + ": no " + std::string(fieldName));
    }
  }
}

// sample_data of the chosen channel only; its ego_pose tokens are resolved by loadEgoPoses.
std::vector<std::string> loadSampleData(NuScenesTables& t) {
  requireLink(t.calibratedSensor, &CalibratedSensorRow::sensor, t.file("calibrated_sensor"),
              "calibrated_sensor", "sensor_token");
  std::vector<bool> keepSensor(t.calibratedSensor.rows.size());
  for (size_t i = 0; i < keepSensor.size(); ++i) {
    keepSensor[i] = t.sensor.rows[t.calibratedSensor.rows[i].sensor].channel == t.channel;
  }
  json::TableReader reader(t.file("sample_data"));
  std::vector<Links> links;
  std::vector<std::string> egoPoseTokens;  // copied: the ego_pose table is read after this reader is gone
  Links pending;
  std::string_view egoPoseToken;
  t.sampleData.rows = reader.read<SampleDataRow>(
      [&](SampleDataRow& r, std::string_view key, sj::value v) {
        if (key == "sample_token") r.sample = resolve(t.sample, json::string(v), key, "sample");
        if (key == "ego_pose_token") egoPoseToken = json::string(v);
        if (key == "calibrated_sensor_token") {
          r.calibratedSensor = resolveRequired(t.calibratedSensor, json::string(v), key, "calibrated_sensor");
        }
        if (key == "filename") r.filename = json::string(v);
        if (key == "timestamp") r.timestamp = json::integer(v);
        if (key == "is_key_frame") r.isKeyFrame = json::boolean(v);
        if (key == "prev") pending.prev = json::string(v);
        if (key == "next") pending.next = json::string(v);
      },
      [&](const SampleDataRow& r) {
        if (r.calibratedSensor == kNoRow) throw FieldError("calibrated_sensor_token is missing");
        const bool keep = keepSensor[r.calibratedSensor];
        if (keep) {
          links.push_back(pending);
          egoPoseTokens.emplace_back(egoPoseToken);
        }
        pending = {};
        egoPoseToken = {};
        return keep;
      });
  buildIndex(t.sampleData, t.file("sample_data"));
  resolveLinks(t.sampleData, links, t.file("sample_data"), "sample_data");
  return egoPoseTokens;
}

// ego_pose rows used by the kept sample_data (the table has one per sample_data of every sensor).
void loadEgoPoses(NuScenesTables& t, const std::vector<std::string>& egoPoseTokens) {
  TokenIndex needed;
  needed.reserve(egoPoseTokens.size());
  for (uint32_t i = 0; i < egoPoseTokens.size(); ++i) needed.insert(egoPoseTokens[i], i);
  t.egoPose.rows = json::TableReader(t.file("ego_pose"))
                       .read<EgoPoseRow>(
                           [](EgoPoseRow& r, std::string_view key, sj::value v) {
                             if (key == "translation") r.egoToGlobal.translation = json::vector3(v);
                             if (key == "rotation") r.egoToGlobal.rotation = json::quaternion(v).normalized();
                             if (key == "timestamp") r.timestamp = json::integer(v);
                           },
                           [&needed](const EgoPoseRow& r) { return needed.find(r.token) != kNoRow; });
  buildIndex(t.egoPose, t.file("ego_pose"));
  for (size_t i = 0; i < t.sampleData.rows.size(); ++i) {
    SampleDataRow& sd = t.sampleData.rows[i];
    try {
      sd.egoPose = resolveRequired(t.egoPose, egoPoseTokens[i], "ego_pose_token", "ego_pose");
    } catch (const FieldError& e) {
      throw fileError(t.file("sample_data"), "sample_data " + sd.token + ": " + e.what());
    }
  }
}

void readAnnotationField(const NuScenesTables& t, SampleAnnotationRow& r, Links& pending,
                         std::string_view key, sj::value v) {
  if (key == "sample_token") {
    r.sample = resolveRequired(t.sample, json::string(v), key, "sample");
  } else if (key == "instance_token") {
    r.instance = resolveRequired(t.instance, json::string(v), key, "instance");
  } else if (key == "attribute_tokens") {
    for (std::string_view token : json::stringList(v)) {
      r.attributes.push_back(resolveRequired(t.attribute, token, key, "attribute"));
    }
  } else if (key == "visibility_token") {
    r.visibility = resolve(t.visibility, json::string(v), key, "visibility");
  } else if (key == "translation") {
    r.translation = json::vector3(v);
  } else if (key == "size") {
    r.size = json::vector3(v);
  } else if (key == "rotation") {
    r.rotation = json::quaternion(v);
  } else if (key == "num_lidar_pts") {
    r.numLidarPts = static_cast<int>(json::integer(v));
  } else if (key == "num_radar_pts") {
    r.numRadarPts = static_cast<int>(json::integer(v));
  } else if (key == "velocity") {
    r.velocity = json::optionalVector3(v);
  } else if (key == "acceleration") {
    r.acceleration = json::optionalVector3(v);
  } else if (key == "prev") {
    pending.prev = json::string(v);
  } else if (key == "next") {
    pending.next = json::string(v);
  }
}

void loadAnnotations(NuScenesTables& t) {
  json::TableReader reader(t.file("sample_annotation"));
  std::vector<Links> links;
  Links pending;
  t.sampleAnnotation.rows =
      reader.read<SampleAnnotationRow>([&](SampleAnnotationRow& r, std::string_view key,
                                           sj::value v) { readAnnotationField(t, r, pending, key, v); },
                                       [&](const SampleAnnotationRow& r) {
                                         if (r.sample == kNoRow) throw FieldError("sample_token is missing");
                                         if (r.instance == kNoRow)
                                           throw FieldError("instance_token is missing");
                                         links.push_back(std::exchange(pending, {}));
                                         return true;
                                       });
  buildIndex(t.sampleAnnotation, t.file("sample_annotation"));
  resolveLinks(t.sampleAnnotation, links, t.file("sample_annotation"), "sample_annotation");
}

void loadMaps(NuScenesTables& t) {
  t.map = readIndexed<MapRow>(t, "map", [&t](MapRow& r, std::string_view key, sj::value v) {
    if (key == "filename") r.filename = json::string(v);
    if (key == "log_tokens") {
      for (std::string_view token : json::stringList(v))
        r.logs.push_back(resolveRequired(t.log, token, key, "log"));
    }
  });
}

void buildReverseIndices(NuScenesTables& t) {
  requireLink(t.instance, &InstanceRow::category, t.file("instance"), "instance", "category_token");
  requireLink(t.sample, &SampleRow::scene, t.file("sample"), "sample", "scene_token");
  t.sampleKeyframe.assign(t.sample.rows.size(), kNoRow);
  for (uint32_t i = 0; i < t.sampleData.rows.size(); ++i) {
    const SampleDataRow& sd = t.sampleData.rows[i];
    if (sd.isKeyFrame && sd.sample != kNoRow && t.sampleKeyframe[sd.sample] == kNoRow) {
      t.sampleKeyframe[sd.sample] = i;
    }
  }
  t.sampleAnnotations.assign(t.sample.rows.size(), {});
  for (uint32_t i = 0; i < t.sampleAnnotation.rows.size(); ++i) {
    t.sampleAnnotations[t.sampleAnnotation.rows[i].sample].push_back(i);
  }
}

}  // namespace

NuScenesTables NuScenesTables::load(const std::filesystem::path& dir, const TableLoadOptions& options) {
  NuScenesTables t;
  t.dir = dir;
  // Referenced tables first, so that most references resolve while their record is parsed.
  loadVocabularies(t);
  loadSensors(t, options);
  loadScenesAndSamples(t);
  loadEgoPoses(t, loadSampleData(t));
  loadAnnotations(t);
  loadMaps(t);
  buildReverseIndices(t);
  return t;
}

}  // namespace cpq
