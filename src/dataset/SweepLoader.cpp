#include "dataset/SweepLoader.h"

#include <cmath>
#include <vector>

#include "core/Error.h"

namespace cpq {

namespace {

constexpr int64_t kFileColumns = 5;  // x, y, z, intensity, ring (docs/dataset.md, 'Point files')

PointCloud readWithToken(const std::string& path, const std::string& token, float timeLag) {
  try {
    return readPcdBin(path, kFileColumns, timeLag);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (sample_data " + token + ")");
  }
}

bool isClose(const float* row) {
  return std::abs(row[0]) < kSweepCloseRadius && std::abs(row[1]) < kSweepCloseRadius;
}

}  // namespace

at::Tensor loadSweep(const SweepRef& sweep) {
  const at::Tensor raw = readWithToken(sweep.path, sweep.token, static_cast<float>(sweep.timeLag)).points;
  const int64_t n = raw.size(0);
  at::Tensor out = at::empty({n, 5}, at::kFloat);
  const float* src = raw.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const Eigen::Matrix3d rotation = sweep.sensorToRef.rotation.toRotationMatrix();
  const Eigen::Vector3d& translation = sweep.sensorToRef.translation;
  int64_t kept = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = src + i * 5;
    if (isClose(row)) continue;
    const Eigen::Vector3d p = rotation * Eigen::Vector3d(row[0], row[1], row[2]) + translation;
    float* o = dst + kept * 5;
    o[0] = static_cast<float>(p.x());
    o[1] = static_cast<float>(p.y());
    o[2] = static_cast<float>(p.z());
    o[3] = row[3];
    o[4] = row[4];
    ++kept;
  }
  return kept == n ? out : out.slice(0, 0, kept).clone();
}

PointCloud loadSweptPoints(const SampleInfo& sample) {
  PointCloud cloud = readWithToken(sample.lidarPath, sample.lidarToken, 0.0f);
  if (sample.sweeps.empty()) return cloud;
  std::vector<at::Tensor> parts{cloud.points};
  for (const SweepRef& sweep : sample.sweeps) parts.push_back(loadSweep(sweep));
  cloud.points = at::cat(parts, 0);
  return cloud;
}

}  // namespace cpq
