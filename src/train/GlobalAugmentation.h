#pragma once
// The global augmentations of AWML's train pipeline, moving points and boxes together as mmdet3d's
// RandomFlip3D and GlobalRotScaleTrans do (LiDARPoints / LiDARInstance3DBoxes):
//   flip horizontal: y -> -y, yaw -> -yaw, vy -> -vy;   flip vertical: x -> -x, yaw -> pi - yaw, vx -> -vx;
//   rotate by a (counter-clockwise about z): points, centres and velocities rotated, yaw += a;
//   scale by s: points, centres, sizes and velocities times s;   translate by t: points and centres + t.
// Each draw comes from an explicit Rng, in mmdet3d's order: flip H, flip V, rotation, scale, translation.
#include <array>

#include "config/CenterPointConfig.h"
#include "train/Rng.h"
#include "train/TrainFrame.h"

namespace cpq {

struct AugmentationDraw {
  bool flipHorizontal = false;  // negate y (mmdet3d 'horizontal')
  bool flipVertical = false;    // negate x (mmdet3d 'vertical')
  double rotation = 0;          // rad
  double scale = 1;
  std::array<double, 3> translation{0, 0, 0};
};

AugmentationDraw drawAugmentation(const AugmentationConfig& cfg, Rng& rng);

// Each modifies frame.points in place (callers own the tensor; applyAugmentation copies it first).
void flipBev(TrainFrame& frame, bool horizontal);
void rotateGlobal(TrainFrame& frame, double angle);
void scaleGlobal(TrainFrame& frame, double factor);
void translateGlobal(TrainFrame& frame, const std::array<double, 3>& offset);

// Flips, then rotation, scale and translation, on a copy of the points.
TrainFrame applyAugmentation(TrainFrame frame, const AugmentationDraw& draw);

}  // namespace cpq
