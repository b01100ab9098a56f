#pragma once
// The export a user asks for: both ONNX files and Autoware's param file in one folder.
//
// A model whose layers carry quantizers (a fake-quant model) is exported with Q/DQ where both quantizers
// of a layer are Quantizing (export/QdqOnnx.h); every graph must pass the engine-readiness lint
// (export/EngineLint.h) before anything is written.
//
// Folder rule: the folder may be missing, empty, or hold unrelated files; it is refused (unless overwrite)
// when it holds any of the three target files or any other .onnx file, since that is another export whose
// files would be mixed with ours. Nothing is written until both graphs are built, checked (ONNX checker and
// strict shape inference) and serialised in memory; then each file is written atomically (temporary + rename),
// so a failure leaves no partial file. With overwrite, the three targets are replaced; other files are kept.
#include <string>

#include "config/CenterPointConfig.h"
#include "export/OnnxExportOptions.h"
#include "model/CenterPoint.h"

namespace cpq {

std::string voxelEncoderOnnxFileName(const std::string& name);      // pts_voxel_encoder_<name>.onnx
std::string backboneNeckHeadOnnxFileName(const std::string& name);  // pts_backbone_neck_head_<name>.onnx

// cpq::Error when the export name is unusable in a file name or outDir breaks the folder rule above; the CLI
// calls it before loading weights so that a refusal is immediate.
void refuseExistingExport(const std::string& outDir, const OnnxExportOptions& options, bool overwrite);

void exportCenterPointOnnx(CenterPoint& model, const CenterPointConfig& cfg, const std::string& outDir,
                           const OnnxExportOptions& options, bool overwrite);

}  // namespace cpq
