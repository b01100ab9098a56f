#pragma once
// `pts_voxel_encoder_<name>.onnx` (docs/onnx_export.md): the PFN layers on the decorated pillar tensor.
// input_features [num_voxels, max_points, F] -> pillar_features [num_voxels, 1, C]. Each layer is
// MatMul (BN-folded Linear weight, [in, out]) -> Add (folded bias) -> Relu -> ReduceMax over the points;
// a non-last layer concatenates the per-point features with their pillar max expanded back to the points.
#include <onnx/onnx_pb.h>

#include "config/CenterPointConfig.h"
#include "export/OnnxExportOptions.h"
#include "model/CenterPoint.h"

namespace cpq {

onnx::ModelProto buildVoxelEncoderModel(CenterPoint& model, const CenterPointConfig& cfg,
                                        const OnnxExportOptions& options);

}  // namespace cpq
