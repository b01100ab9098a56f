#pragma once
// A list of frames -> one batched model input plus stacked targets (mmdet3d's Det3DDataPreprocessor with
// voxel=True, then CenterHead.get_targets): each frame is voxelized on its own (training max_voxels), its
// pillars decorated, and the pillars of all frames concatenated with the frame's index in coords[:, 0],
// which is how PointPillarsScatter routes them to their canvas.
#include <ATen/ATen.h>

#include <vector>

#include "config/CenterPointConfig.h"
#include "preprocess/Voxelizer.h"
#include "train/TargetAssigner.h"
#include "train/TrainFrame.h"

namespace cpq {

struct TrainBatch {
  at::Tensor features;  // [N, maxPoints, F] float32 decorated pillars of all frames
  at::Tensor coords;    // [N, 4] int32: frame index, z, y, x
  int64_t batchSize = 0;
  Targets targets;  // stacked: heatmap [B, C, H, W], annoBox [B, M, 10], ind [B, M], mask [B, M]

  // A copy with every tensor on `device` (non_blocking where the source is pinned).
  TrainBatch to(const at::Device& device) const;
};

// Holds its own Voxelizer, so each data-loading thread should own a BatchCollator (see Voxelizer's note on
// thread safety). Nothing else is kept between calls.
class BatchCollator {
 public:
  explicit BatchCollator(const CenterPointConfig& cfg);

  // Frames after the train pipeline (points [N, 5], boxes with labels). An empty frame list is an error.
  TrainBatch collate(const std::vector<TrainFrame>& frames) const;

 private:
  CenterPointConfig cfg_;
  Voxelizer voxelizer_;
};

}  // namespace cpq
