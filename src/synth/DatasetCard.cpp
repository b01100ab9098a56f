#include "synth/DatasetCard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cpq {
namespace {

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }
double round4(double v) { return std::round(v * 1e4) / 1e4; }

std::string bandName(double lo, double hi) {
  char buf[48];
  if (std::isinf(hi))
    std::snprintf(buf, sizeof buf, "%.1f+", lo);
  else
    std::snprintf(buf, sizeof buf, "%.1f-%.1f", lo, hi);
  return buf;
}

double median(std::vector<int> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

void DatasetCard::addKeyframe(const SynthScene& scene, const LabeledKeyframe& kf) {
  ++keyframes_;
  for (const AnnotatedObject& o : kf.objects)
    objects_.push_back({o.cls, o.distance, o.numLidarPts, o.aloneRays, o.visibleRays});
  const int actors = static_cast<int>(scene.actors.size());
  for (int owner : kf.owners) {
    ++points_;
    if (owner == kGroundOwner) {
      ++groundPoints_;
    } else if (owner < actors) {
      ++objectPoints_;
    } else {
      ++clutterPoints_;
      distractorPoints_ += scene.statics[owner - actors].distractor;
    }
  }
}

std::vector<double> DatasetCard::distanceBands() const {
  const double r = options_.preset.modelRange;
  return {0, r / 3, 2 * r / 3, r, INFINITY};
}

double DatasetCard::objectsPerKeyframe() const { return ratio(objects_.size(), keyframes_); }

double DatasetCard::classShare(ObjectClass c) const {
  return ratio(
      std::count_if(objects_.begin(), objects_.end(), [c](const ObjectRecord& o) { return o.cls == c; }),
      objects_.size());
}

double DatasetCard::shareBeyondHalfRange() const {
  const double half = options_.preset.modelRange / 2;
  return ratio(std::count_if(objects_.begin(), objects_.end(),
                             [half](const ObjectRecord& o) { return o.distance > half; }),
               objects_.size());
}

double DatasetCard::shareFewerThan15Points() const {
  return ratio(
      std::count_if(objects_.begin(), objects_.end(), [](const ObjectRecord& o) { return o.points < 15; }),
      objects_.size());
}

// Partly occluded: fewer than half of the rays that reach the object when it stands alone are its own.
double DatasetCard::sharePartlyOccluded() const {
  int occluded = 0, seen = 0;
  for (const ObjectRecord& o : objects_) {
    if (o.aloneRays == 0) continue;
    ++seen;
    occluded += 2 * o.visibleRays < o.aloneRays;
  }
  return ratio(occluded, seen);
}

double DatasetCard::shareNonGroundOnClutter() const {
  return ratio(static_cast<double>(clutterPoints_), static_cast<double>(points_ - groundPoints_));
}

nlohmann::json DatasetCard::toJson() const {
  const SynthPreset& p = options_.preset;
  nlohmann::json card;
  card["generator"] = {{"preset", p.name},
                       {"beams", p.beams},
                       {"vertical_fov_deg", {round4(p.minElevationDeg), round4(p.maxElevationDeg)}},
                       {"azimuth_step_deg", round4(p.azimuthStepDeg)},
                       {"max_range_m", round4(p.maxRange)},
                       {"sensor_height_m", round4(p.sensorHeight)},
                       {"model_range_m", p.modelRange},
                       {"annotation_range_m", p.annotationRange},
                       {"scenes", options_.scenes},
                       {"frames_per_scene", options_.framesPerScene},
                       {"sweeps_per_keyframe", options_.sweepsPerKeyframe},
                       {"seed", options_.seed},
                       {"layout", options_.layout == SynthLayout::T4 ? "t4" : "nuscenes"}};
  card["keyframes"] = keyframes_;
  card["objects"] = objects_.size();
  nlohmann::json perClass = {{"all", round4(objectsPerKeyframe())}}, share;
  for (int c = 0; c < kNumObjectClasses; ++c) {
    const auto cls = static_cast<ObjectClass>(c);
    perClass[objectClassName(cls)] = round4(classShare(cls) * objectsPerKeyframe());
    share[objectClassName(cls)] = round4(classShare(cls));
  }
  card["objects_per_keyframe"] = perClass;
  card["class_share"] = share;
  std::vector<int> histogram(static_cast<size_t>(std::ceil(p.annotationRange / 10.0)), 0);
  for (const ObjectRecord& o : objects_)
    ++histogram[std::min(histogram.size() - 1, static_cast<size_t>(o.distance / 10.0))];
  card["distance_m"] = {{"histogram_10m_bins", histogram},
                        {"half_model_range_m", p.modelRange / 2},
                        {"share_beyond_half_model_range", round4(shareBeyondHalfRange())}};
  const std::vector<double> bands = distanceBands();
  nlohmann::json points;
  for (int c = 0; c < kNumObjectClasses; ++c) {
    for (size_t b = 0; b + 1 < bands.size(); ++b) {
      std::vector<int> v;
      for (const ObjectRecord& o : objects_)
        if (static_cast<int>(o.cls) == c && o.distance >= bands[b] && o.distance < bands[b + 1])
          v.push_back(o.points);
      double mean = 0;
      for (int x : v) mean += x;
      points[objectClassName(static_cast<ObjectClass>(c))][bandName(bands[b], bands[b + 1])] = {
          {"objects", v.size()}, {"mean", round4(ratio(mean, v.size()))}, {"median", median(v)}};
    }
  }
  card["points_per_object_by_distance_band_m"] = points;
  card["share_objects_fewer_than_15_points"] = round4(shareFewerThan15Points());
  card["share_objects_zero_points"] = round4(ratio(
      std::count_if(objects_.begin(), objects_.end(), [](const ObjectRecord& o) { return o.points == 0; }),
      objects_.size()));
  card["share_partly_occluded"] = round4(sharePartlyOccluded());
  const double nonGround = static_cast<double>(points_ - groundPoints_);
  card["points_per_keyframe"] = round4(ratio(points_, keyframes_));
  card["non_ground_points"] = {{"share_on_objects", round4(ratio(objectPoints_, nonGround))},
                               {"share_on_clutter", round4(shareNonGroundOnClutter())},
                               {"share_on_distractors", round4(ratio(distractorPoints_, nonGround))},
                               {"share_of_all_points", round4(ratio(nonGround, points_))}};
  return card;
}

}  // namespace cpq
