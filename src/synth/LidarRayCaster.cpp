#include "synth/LidarRayCaster.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "synth/SceneObjects.h"
#include "synth/SynthMath.h"
#include "synth/SynthRandom.h"

namespace cpq {

namespace {

constexpr int kAzimuthBins = 720;
constexpr float kInf = std::numeric_limits<float>::infinity();

float flatDistance(float x, float y) { return std::sqrt(x * x + y * y); }

int azimuthBin(float x, float y) {
  const float a = static_cast<float>(synthmath::atan2(y, x));  // [-pi, pi]
  const int b =
      static_cast<int>((a + static_cast<float>(M_PI)) * (kAzimuthBins / (2 * static_cast<float>(M_PI))));
  return std::clamp(b, 0, kAzimuthBins - 1);
}

// Slab test in the box frame; distance along the unit ray d from the origin, or +inf.
float rayBoxDistance(const CastBox& b, const Eigen::Vector3f& d) {
  const float ox = -b.centre.x(), oy = -b.centre.y();
  const float o[3] = {b.cosYaw * ox + b.sinYaw * oy, -b.sinYaw * ox + b.cosYaw * oy, -b.centre.z()};
  const float v[3] = {b.cosYaw * d.x() + b.sinYaw * d.y(), -b.sinYaw * d.x() + b.cosYaw * d.y(), d.z()};
  float tNear = 0.0f, tFar = kInf;
  for (int a = 0; a < 3; ++a) {
    const float h = b.half[a];
    if (std::abs(v[a]) < 1e-9f) {
      if (std::abs(o[a]) > h) return kInf;
      continue;
    }
    const float inv = 1.0f / v[a];
    float t1 = (-h - o[a]) * inv, t2 = (h - o[a]) * inv;
    if (t1 > t2) std::swap(t1, t2);
    tNear = std::max(tNear, t1);
    tFar = std::min(tFar, t2);
    if (tNear > tFar) return kInf;
  }
  return tNear > 0 ? tNear : kInf;
}

// The same, but 0 when the origin is inside (for bounds, which only gate their parts).
float rayBoxDistanceOrInside(const CastBox& b, const Eigen::Vector3f& d) {
  const float ox = -b.centre.x(), oy = -b.centre.y();
  const float lx = b.cosYaw * ox + b.sinYaw * oy, ly = -b.sinYaw * ox + b.cosYaw * oy;
  if (std::abs(lx) <= b.half.x() && std::abs(ly) <= b.half.y() && std::abs(b.centre.z()) <= b.half.z())
    return 0;
  return rayBoxDistance(b, d);
}

// Lane markings, asphalt, sidewalk or grass from the lateral offset of a ground return.
Material groundMaterial(const SynthScene& sc, double x, double y) {
  const double d = std::abs(sc.road.lateralOffset(Eigen::Vector2d(x, y)));
  const StreetLayout& st = sc.street;
  if (d < st.curb()) {
    for (int k = 0; k <= st.lanesPerDirection; ++k)
      if (std::abs(d - k * st.laneWidth) < 0.08) return Material::Marking;
    return Material::Asphalt;
  }
  return d < st.frontage() ? Material::Sidewalk : Material::Grass;
}

}  // namespace

struct LidarRayCaster::AzimuthBins {
  std::vector<int> start;    // kAzimuthBins + 1 offsets into items
  std::vector<int> items;    // box indices, nearest first within a bin
  std::vector<float> reach;  // per item: no point of the box is closer than this (xy bounding circle)
};

LidarRayCaster::LidarRayCaster(const SynthPreset& p) : preset_(p) {
  const double deg = M_PI / 180.0;
  const int steps = static_cast<int>(std::lround(360.0f / p.azimuthStepDeg));
  directions_.reserve(static_cast<size_t>(p.beams) * steps);
  for (int beam = 0; beam < p.beams; ++beam) {
    const double elev =
        (p.minElevationDeg + (p.maxElevationDeg - p.minElevationDeg) * beam / (p.beams - 1)) * deg;
    for (int step = 0; step < steps; ++step) {
      const double az = (step * 360.0f / steps - 180.0f) * deg;
      const Eigen::Vector3d dir(synthmath::cos(elev) * synthmath::cos(az),
                                synthmath::cos(elev) * synthmath::sin(az), synthmath::sin(elev));
      directions_.push_back(dir.cast<float>());
      rings_.push_back(beam);
    }
  }
}

// Each box goes into the bins its xy bounding circle spans, as seen from the sensor.
LidarRayCaster::AzimuthBins LidarRayCaster::binBoxes(const std::vector<CastBox>& boxes) const {
  std::vector<std::pair<int, int>> spans(boxes.size(), {0, -1});  // first, last bin (may wrap)
  std::vector<int> count(kAzimuthBins, 0);
  const float binWidth = 2 * static_cast<float>(M_PI) / kAzimuthBins;
  for (size_t i = 0; i < boxes.size(); i += 1 + boxes[i].parts) {
    const CastBox& b = boxes[i];
    const float dist = flatDistance(b.centre.x(), b.centre.y());
    const float radius = flatDistance(b.half.x(), b.half.y());
    if (dist - radius > preset_.maxRange) continue;
    int first = 0, last = kAzimuthBins - 1;
    if (dist > radius + 0.05f) {
      const float centre =
          static_cast<float>(synthmath::atan2(b.centre.y(), b.centre.x())) + static_cast<float>(M_PI);
      const float halfAngle = static_cast<float>(synthmath::asin(radius / dist)) + binWidth;
      first = static_cast<int>(std::floor((centre - halfAngle) / binWidth));
      last = static_cast<int>(std::floor((centre + halfAngle) / binWidth));
    }
    spans[i] = {first, last};
    for (int k = first; k <= last; ++k) ++count[(k % kAzimuthBins + kAzimuthBins) % kAzimuthBins];
  }
  AzimuthBins bins;
  bins.start.assign(kAzimuthBins + 1, 0);
  for (int k = 0; k < kAzimuthBins; ++k) bins.start[k + 1] = bins.start[k] + count[k];
  bins.items.resize(bins.start.back());
  std::vector<int> fill(bins.start.begin(), bins.start.end() - 1);
  for (size_t i = 0; i < boxes.size(); i += 1 + boxes[i].parts)
    for (int k = spans[i].first; k <= spans[i].second; ++k)
      bins.items[fill[(k % kAzimuthBins + kAzimuthBins) % kAzimuthBins]++] = static_cast<int>(i);
  // Nearest first, so a ray stops testing once the next box cannot be closer than its hit. Ties keep the
  // box order (stable), so the result never depends on the sort implementation.
  std::vector<float> nearest(boxes.size(), 0.0f);
  for (size_t i = 0; i < boxes.size(); i += 1 + boxes[i].parts)
    nearest[i] = std::max(0.0f, flatDistance(boxes[i].centre.x(), boxes[i].centre.y()) -
                                    flatDistance(boxes[i].half.x(), boxes[i].half.y()));
  for (int k = 0; k < kAzimuthBins; ++k)
    std::stable_sort(bins.items.begin() + bins.start[k], bins.items.begin() + bins.start[k + 1],
                     [&](int a, int b) { return nearest[a] < nearest[b]; });
  bins.reach.resize(bins.items.size());
  for (size_t k = 0; k < bins.items.size(); ++k) bins.reach[k] = nearest[bins.items[k]];
  return bins;
}

LidarScan LidarRayCaster::cast(const std::vector<CastBox>& boxes, const Eigen::Matrix3d& sensorToGlobal,
                               const Eigen::Vector3d& origin, const SynthScene& sc, SynthRandom& rng,
                               RayCounts* counts) const {
  const AzimuthBins bins = binBoxes(boxes);
  const Eigen::Matrix3f rot = sensorToGlobal.cast<float>();
  // Ground plane relative to the sensor: z = a x + b y + c.
  const float a = static_cast<float>(sc.ground.slope.x()), b = static_cast<float>(sc.ground.slope.y());
  const float c = static_cast<float>(sc.ground.planeHeight(origin.x(), origin.y()) - origin.z());
  const float maxRange = preset_.maxRange;
  std::vector<int> lastRay;
  if (counts) {
    counts->alone.assign(counts->countedOwners, 0);
    counts->visible.assign(counts->countedOwners, 0);
    lastRay.assign(counts->countedOwners, -1);
  }
  LidarScan scan;
  scan.rows.reserve(directions_.size() * 5 / 2);
  scan.owners.reserve(directions_.size() / 2);
  for (size_t r = 0; r < directions_.size(); ++r) {
    const Eigen::Vector3f d = rot * directions_[r];
    float tGround = kInf;
    const float den = d.z() - a * d.x() - b * d.y();
    if (den < -1e-4f) {
      const float t0 = c / den;
      const double gx = origin.x() + t0 * d.x(), gy = origin.y() + t0 * d.y();
      tGround = (c + static_cast<float>(sc.ground.bump(gx, gy))) / den;  // one step onto the bumps
    }
    float tHit = tGround;
    int hit = kGroundOwner;
    const int bin = azimuthBin(d.x(), d.y());
    // xy reach along the ray: a box whose xy circle starts beyond horizontal distance h cannot be hit
    // before t = h / |d_xy|.
    const float invXy = 1.0f / std::max(1e-6f, flatDistance(d.x(), d.y()));
    const float countLimit = counts ? std::min(tGround, maxRange) : 0.0f;
    for (int k = bins.start[bin]; k < bins.start[bin + 1]; ++k) {
      if (bins.reach[k] * invXy > std::max(tHit, countLimit)) break;
      const int item = bins.items[k];
      const CastBox& bound = boxes[item];
      int from = item, to = item + 1;
      if (bound.parts > 0) {
        const float tb = rayBoxDistanceOrInside(bound, d);
        if (!(tb < tHit) && !(counts && tb < tGround)) continue;
        from = item + 1;
        to = from + bound.parts;
      }
      for (int j = from; j < to; ++j) {
        const CastBox& box = boxes[j];
        const float t = rayBoxDistance(box, d);
        if (t == kInf) continue;
        if (counts && box.owner < counts->countedOwners && t < tGround && t <= maxRange &&
            lastRay[box.owner] != static_cast<int>(r)) {
          lastRay[box.owner] = static_cast<int>(r);
          ++counts->alone[box.owner];
        }
        if (t < tHit) {
          const float pass = materialPassThrough(box.material);
          if (pass > 0 && rng.chance(pass)) continue;
          tHit = t;
          hit = j;
        }
      }
    }
    if (!(tHit <= maxRange)) continue;
    const int owner = hit == kGroundOwner ? kGroundOwner : boxes[hit].owner;
    if (counts && owner >= 0 && owner < counts->countedOwners) ++counts->visible[owner];
    Material m;
    if (hit == kGroundOwner)
      m = groundMaterial(sc, origin.x() + tHit * d.x(), origin.y() + tHit * d.y());
    else
      m = boxes[hit].material;
    const float rangeShare = tHit / maxRange;
    if (rng.chance(0.015 + 0.08 * rangeShare * rangeShare + materialDropout(m))) continue;
    const float range = tHit + static_cast<float>(rng.normal(0.0, 0.015 + 0.01 * tHit / 50.0f));
    const float intensity = materialIntensity(m, rng) * (1.0f - 0.45f * rangeShare);
    const Eigen::Vector3f p = range * directions_[r];
    scan.rows.insert(scan.rows.end(), {p.x(), p.y(), p.z(), std::round(std::clamp(intensity, 0.0f, 255.0f)),
                                       static_cast<float>(rings_[r])});
    scan.owners.push_back(owner);
  }
  return scan;
}

}  // namespace cpq
