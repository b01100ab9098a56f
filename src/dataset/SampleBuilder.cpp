#include "dataset/SampleBuilder.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/Error.h"
#include "dataset/GtVelocity.h"

namespace cpq {

namespace {

// The sensor -> global pose of a sample_data row.
RigidPose sensorToGlobal(const NuScenesTables& t, const SampleDataRow& sd) {
  return t.egoPose.rows[sd.egoPose].egoToGlobal * t.calibratedSensor.rows[sd.calibratedSensor].sensorToEgo;
}

std::string dataPath(const TableSource& source, const SampleDataRow& sd) {
  return (source.fileRoot / sd.filename).string();
}

GtBox makeBox(const NuScenesTables& t, uint32_t ann, const ClassMapping& mapping) {
  const SampleAnnotationRow& row = t.sampleAnnotation.rows[ann];
  const InstanceRow& instance = t.instance.rows[row.instance];
  GtBox box;
  box.token = row.token;
  box.instanceToken = instance.token;
  box.category = t.category.rows[instance.category].name;
  box.className = mapping.className(box.category);
  if (!row.attributes.empty()) box.attribute = t.attribute.rows[row.attributes.front()].name;
  box.center = row.translation;
  box.size = row.size;
  box.rotation = row.rotation;
  box.velocity = annotationVelocity(t, ann);
  box.numLidarPts = row.numLidarPts;
  box.numRadarPts = row.numRadarPts;
  return box;
}

// A scene's samples in time order; the prev / next chain must agree with the timestamps.
std::vector<uint32_t> sceneSamples(const NuScenesTables& t, const std::vector<uint32_t>& samples) {
  std::vector<uint32_t> ordered = samples;
  std::stable_sort(ordered.begin(), ordered.end(), [&t](uint32_t a, uint32_t b) {
    return t.sample.rows[a].timestamp < t.sample.rows[b].timestamp;
  });
  for (uint32_t s : ordered) {
    const SampleRow& row = t.sample.rows[s];
    if (row.next != kNoRow && t.sample.rows[row.next].timestamp <= row.timestamp) {
      const SampleRow& next = t.sample.rows[row.next];
      throw fileError(t.file("sample"), "sample " + next.token + " (timestamp " +
                                            std::to_string(next.timestamp) + ") is not later than its prev " +
                                            row.token + " (timestamp " + std::to_string(row.timestamp) + ")");
    }
  }
  return ordered;
}

SampleInfo makeSample(const NuScenesTables& t, uint32_t s, const TableSource& source, size_t sweeps,
                      const ClassMapping& mapping) {
  const SampleRow& row = t.sample.rows[s];
  const SampleDataRow& lidar = t.sampleData.rows[t.sampleKeyframe[s]];
  SampleInfo info;
  info.token = row.token;
  info.sceneName = source.sceneName.empty() ? t.scene.rows[row.scene].name : source.sceneName;
  info.timestamp = row.timestamp;
  info.lidarToken = lidar.token;
  info.lidarPath = dataPath(source, lidar);
  info.lidarToEgo = t.calibratedSensor.rows[lidar.calibratedSensor].sensorToEgo;
  info.egoToGlobal = t.egoPose.rows[lidar.egoPose].egoToGlobal;
  info.sweeps = collectSweeps(t, t.sampleKeyframe[s], sweeps, source);
  for (uint32_t ann : t.sampleAnnotations[s]) info.boxes.push_back(makeBox(t, ann, mapping));
  return info;
}

}  // namespace

std::vector<SweepRef> collectSweeps(const NuScenesTables& t, uint32_t keyframe, size_t count,
                                    const TableSource& source) {
  const SampleDataRow& ref = t.sampleData.rows[keyframe];
  const RigidPose globalToRef = sensorToGlobal(t, ref).inverse();
  std::vector<SweepRef> sweeps;
  const SampleDataRow* later = &ref;
  for (uint32_t row = ref.prev; row != kNoRow && sweeps.size() < count; row = t.sampleData.rows[row].prev) {
    const SampleDataRow& sd = t.sampleData.rows[row];
    if (sd.timestamp >= later->timestamp) {
      throw fileError(t.file("sample_data"), "sample_data " + sd.token + " (timestamp " +
                                                 std::to_string(sd.timestamp) +
                                                 ") is not earlier than its next " + later->token +
                                                 " (timestamp " + std::to_string(later->timestamp) + ")");
    }
    SweepRef sweep;
    sweep.token = sd.token;
    sweep.path = dataPath(source, sd);
    sweep.timestamp = sd.timestamp;
    sweep.sensorToRef = globalToRef * sensorToGlobal(t, sd);
    sweep.timeLag = static_cast<double>(ref.timestamp - sd.timestamp) * 1e-6;
    sweeps.push_back(std::move(sweep));
    later = &sd;
  }
  return sweeps;
}

std::vector<SampleInfo> buildSamples(const NuScenesTables& t, const std::vector<uint32_t>& scenes,
                                     const TableSource& source, size_t sweeps, const ClassMapping& mapping) {
  std::vector<std::vector<uint32_t>> byScene(t.scene.rows.size());
  for (uint32_t s = 0; s < t.sample.rows.size(); ++s) byScene[t.sample.rows[s].scene].push_back(s);

  std::vector<SampleInfo> out;
  for (uint32_t scene : scenes) {
    size_t skipped = 0;
    for (uint32_t s : sceneSamples(t, byScene[scene])) {
      if (t.sampleKeyframe[s] == kNoRow) {
        ++skipped;
        continue;
      }
      out.push_back(makeSample(t, s, source, sweeps, mapping));
    }
    if (skipped > 0) {
      spdlog::warn("{}: scene {}: {} sample(s) without a {} keyframe skipped", t.file("sample_data"),
                   t.scene.rows[scene].name, skipped, t.channel);
    }
  }
  return out;
}

}  // namespace cpq
