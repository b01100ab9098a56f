#pragma once
// One decoded 3D box in the LiDAR frame, as both decoders (AWML's and Autoware's) report it.
namespace cpq {

struct Detection {
  float x, y, z;  // box centre (m); z is the centre, not mmdet3d's bottom (which is z - h/2)
  float l, w, h;  // size (m): l along yaw, w across it
  float yaw;      // rad, atan2(sin, cos) of the head's rot channels
  float vx, vy;   // m/s
  float score;    // sigmoid of the heatmap logit
  int label;      // index into the config's class list (global over tasks)
};

}  // namespace cpq
