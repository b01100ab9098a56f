#include "train/TrainPipeline.h"

#include "train/PointFilters.h"

namespace cpq {

TrainFrame applyTrainFilters(TrainFrame frame, const CenterPointConfig& cfg) {
  zeroUnknownVelocities(frame.boxes);
  frame.points = pointsInRange(frame.points, cfg.pointCloudRange);
  frame.boxes = objectsInBevRange(frame.boxes, cfg.pointCloudRange);
  frame.boxes = objectsOfKnownClass(frame.boxes);
  frame.boxes = objectsWithMinPoints(frame.boxes, frame.points, cfg.augmentation.minPointsInGt);
  return frame;
}

TrainFrame applyTrainPipeline(TrainFrame frame, const CenterPointConfig& cfg, Rng& rng,
                              AugmentationDraw* draw) {
  zeroUnknownVelocities(frame.boxes);
  const AugmentationDraw d = drawAugmentation(cfg.augmentation, rng);
  if (draw) *draw = d;
  frame = applyTrainFilters(applyAugmentation(std::move(frame), d), cfg);
  frame.points = shufflePoints(frame.points, rng);
  return frame;
}

}  // namespace cpq
