#pragma once
// What a user chooses about an ONNX export; everything else follows from the config and the weights.
#include <string>

namespace cpq {

// Element type of the graph inputs / outputs (quantization.precision.input / .output). FP16 puts a Cast to
// float after each input and a Cast to float16 before each output; the network inside stays float (and
// INT8 where it has Q/DQ).
enum class IoPrecision { Fp32, Fp16 };

struct OnnxExportOptions {
  std::string name =
      "centerpoint";      // file names: pts_voxel_encoder_<name>.onnx, pts_backbone_neck_head_<name>.onnx
  bool autoware = false;  // Autoware's y-axis-reference box layout (AutowareYAxisReference.h)
  IoPrecision inputPrecision = IoPrecision::Fp32;
  IoPrecision outputPrecision = IoPrecision::Fp32;
};

}  // namespace cpq
