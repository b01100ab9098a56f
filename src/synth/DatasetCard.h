#pragma once
// The measured difficulty of a generated dataset (DIR/dataset_card.json): objects per keyframe by class,
// how far they are, how many points they get by class and distance band, how many are partly occluded and
// how much of the non-ground return comes from clutter. Statistics are over keyframes only.
#include <nlohmann/json.hpp>

#include <array>
#include <vector>

#include "synth/KeyframeLabels.h"

namespace cpq {

class DatasetCard {
 public:
  explicit DatasetCard(const SynthOptions& options) : options_(options) {}

  void addKeyframe(const SynthScene& scene, const LabeledKeyframe& keyframe);
  nlohmann::json toJson() const;

  // The share checks the demo preset's targets are stated in (also read back by the tests).
  double objectsPerKeyframe() const;
  double classShare(ObjectClass c) const;
  double shareBeyondHalfRange() const;
  double shareFewerThan15Points() const;
  double sharePartlyOccluded() const;
  double shareNonGroundOnClutter() const;

 private:
  struct ObjectRecord {
    ObjectClass cls;
    double distance;
    int points, aloneRays, visibleRays;
  };
  std::vector<double> distanceBands() const;

  SynthOptions options_;
  int keyframes_ = 0;
  std::vector<ObjectRecord> objects_;
  int64_t points_ = 0, groundPoints_ = 0, objectPoints_ = 0, clutterPoints_ = 0, distractorPoints_ = 0;
};

}  // namespace cpq
