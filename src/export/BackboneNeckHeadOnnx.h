#pragma once
// `pts_backbone_neck_head_<name>.onnx` (docs/onnx_export.md): SECOND, SECONDFPN and CenterHead with every BN
// folded into its conv. spatial_features [batch_size, 32, H, W] -> heatmap, reg, height, dim, rot, vel (in
// this order), each [batch_size, C, H/osf, W/osf], raw conv outputs. With several tasks each output is the
// tasks' tensors concatenated on channels in task order. options.autoware applies AutowareYAxisReference to
// the final dim and rot convs.
#include <onnx/onnx_pb.h>

#include "config/CenterPointConfig.h"
#include "export/OnnxExportOptions.h"
#include "model/CenterPoint.h"

namespace cpq {

// The head outputs in the order Autoware binds them by index.
const std::vector<std::string>& headOutputNames();

onnx::ModelProto buildBackboneNeckHeadModel(CenterPoint& model, const CenterPointConfig& cfg,
                                            const OnnxExportOptions& options);

}  // namespace cpq
