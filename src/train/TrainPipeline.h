#pragma once
// AWML's CenterPoint train_pipeline after loading (docs/dataset.md, 'AWML training pipeline'), on one frame:
//   (dataset) NaN velocities -> 0; RandomFlip3D (H, V); GlobalRotScaleTrans; PointsRangeFilter;
//   ObjectRangeFilter; ObjectNameFilter; ObjectMinPointsFilter; PointShuffle.
// Deterministic for a given Rng state; use Rng::forSample(seed, epoch, index) per frame.
#include "config/CenterPointConfig.h"
#include "train/GlobalAugmentation.h"
#include "train/Rng.h"
#include "train/TrainFrame.h"

namespace cpq {

// The whole pipeline; `draw`, when given, receives the augmentation that was applied.
TrainFrame applyTrainPipeline(TrainFrame frame, const CenterPointConfig& cfg, Rng& rng,
                              AugmentationDraw* draw = nullptr);

// The filters alone (no augmentation, no shuffle): what a frame looks like to training without the random
// part, e.g. for a fixed overfit batch.
TrainFrame applyTrainFilters(TrainFrame frame, const CenterPointConfig& cfg);

}  // namespace cpq
