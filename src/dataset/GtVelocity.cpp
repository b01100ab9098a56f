#include "dataset/GtVelocity.h"

#include <cmath>
#include <limits>

namespace cpq {

Eigen::Vector3d devkitBoxVelocity(const TrackPoint* prev, const TrackPoint& current, const TrackPoint* next,
                                  double maxTimeDiff) {
  const Eigen::Vector3d unknown = Eigen::Vector3d::Constant(std::numeric_limits<double>::quiet_NaN());
  if (prev == nullptr && next == nullptr) return unknown;
  const TrackPoint& first = prev != nullptr ? *prev : current;
  const TrackPoint& last = next != nullptr ? *next : current;
  // Seconds as the devkit computes them: each timestamp scaled by 1e-6, then subtracted.
  const double timeDiff =
      1e-6 * static_cast<double>(last.timestamp) - 1e-6 * static_cast<double>(first.timestamp);
  if (prev != nullptr && next != nullptr) maxTimeDiff *= 2;  // a centred difference spans two intervals
  if (timeDiff > maxTimeDiff) return unknown;
  return (last.translation - first.translation) / timeDiff;
}

namespace {

TrackPoint trackPoint(const NuScenesTables& tables, uint32_t ann) {
  const SampleAnnotationRow& row = tables.sampleAnnotation.rows[ann];
  return TrackPoint{row.translation, tables.sample.rows[row.sample].timestamp};
}

}  // namespace

Eigen::Vector2d annotationVelocity(const NuScenesTables& tables, uint32_t ann) {
  const SampleAnnotationRow& row = tables.sampleAnnotation.rows[ann];
  if (std::isfinite(row.velocity.x()) && std::isfinite(row.velocity.y())) return row.velocity.head<2>();
  const TrackPoint current = trackPoint(tables, ann);
  TrackPoint prev, next;
  if (row.prev != kNoRow) prev = trackPoint(tables, row.prev);
  if (row.next != kNoRow) next = trackPoint(tables, row.next);
  const Eigen::Vector3d v =
      devkitBoxVelocity(row.prev != kNoRow ? &prev : nullptr, current, row.next != kNoRow ? &next : nullptr);
  return v.head<2>();
}

}  // namespace cpq
