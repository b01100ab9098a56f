#pragma once
// What a user chooses about an ONNX export; everything else follows from the config and the weights.
#include <string>

namespace cpq {

struct OnnxExportOptions {
  std::string name = "centerpoint";  // file names: pts_voxel_encoder_<name>.onnx, pts_backbone_neck_head_<name>.onnx
  bool autoware = false;             // Autoware's y-axis-reference box layout (AutowareYAxisReference.h)
};

}  // namespace cpq
