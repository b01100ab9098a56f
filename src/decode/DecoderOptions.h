#pragma once
// Everything the decoders need, as one plain value: the grid geometry, the task -> class mapping and the
// thresholds of both post-processing variants. Defaults are those of AWML's test_cfg and of Autoware's
// centerpoint.param.yaml; the geometry has no sensible default and is validated (must be positive).
#include <array>
#include <vector>

namespace cpq {

enum class DecoderKind {
  Awml,      // mmdet3d CenterPointBBoxCoder + circle NMS per task (AWML evaluation)
  Autoware,  // autoware_lidar_centerpoint postprocess (the deployed node)
};

struct DecoderOptions {
  DecoderKind kind = DecoderKind::Awml;

  // Geometry: head cell (xs, ys) maps to x = (xs + reg_x) * outSizeFactor * voxelSize[0] + rangeMin[0].
  int outSizeFactor = 0;
  std::array<float, 2> voxelSize{0.0f, 0.0f};  // x, y (m)
  std::array<float, 2> rangeMin{0.0f, 0.0f};   // x_min, y_min of point_cloud_range (m)
  // Per task: the global label of each heatmap channel (AWML: one task {0,1,2,3,4}).
  std::vector<std::vector<int>> taskClasses;

  // AWML / mmdet3d.
  int topK = 500;               // max_num of the bbox coder
  float scoreThreshold = 0.1f;  // kept iff score > threshold
  std::array<float, 6> postCenterRange{-200.0f, -200.0f, -10.0f, 200.0f, 200.0f, 10.0f};  // inclusive
  float circleNmsDistSq = 1.0f;  // test_cfg min_radius: mmdet3d compares it to the squared distance (<=)
  int postMaxSize = 100;         // detections kept per task after circle NMS

  // Autoware.
  float autowareScoreThreshold = 0.35f;  // kept iff score > threshold (the CUDA kernel's is_score_greater)
  // Per global label: drop a box whose sqrt(sin^2 + cos^2) < threshold; 0 disables. Empty: no filter.
  std::vector<float> yawNormThresholds{0.3f, 0.3f, 0.3f, 0.3f, 0.0f};
  float autowareCircleDistSq = 0.25f;      // circle_nms_dist_threshold 0.5 m, squared; suppresses when <
  float iouNmsThreshold = 0.1f;            // suppressed when BEV IoU > threshold
  float iouNmsSearchDistance = 10.0f;      // pairs compared only within this centre distance (m) ...
  std::vector<int> iouNmsTargetLabels{0};  // ... unless both labels are here (Autoware: CAR = AWML label 0)
};

}  // namespace cpq
