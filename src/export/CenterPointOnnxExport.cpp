#include "export/CenterPointOnnxExport.h"

#include <algorithm>
#include <filesystem>

#include "core/AtomicFile.h"
#include "core/Error.h"
#include "export/AutowareParamFile.h"
#include "export/BackboneNeckHeadOnnx.h"
#include "export/EngineLint.h"
#include "export/OnnxModelCheck.h"
#include "export/VoxelEncoderOnnx.h"

namespace cpq {

namespace fs = std::filesystem;

namespace {

std::string serialise(const onnx::ModelProto& model, const std::string& what) {
  // ModelProto has no map fields, so protobuf's serialisation is already deterministic: same graph, same bytes.
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw std::logic_error(what + ": protobuf serialisation failed");
  return bytes;
}

}  // namespace

std::string voxelEncoderOnnxFileName(const std::string& name) { return "pts_voxel_encoder_" + name + ".onnx"; }

std::string backboneNeckHeadOnnxFileName(const std::string& name) { return "pts_backbone_neck_head_" + name + ".onnx"; }

void refuseExistingExport(const std::string& outDir, const OnnxExportOptions& options, bool overwrite) {
  const std::string& n = options.name;
  if (n.empty() || n.find_first_of("/\\") != std::string::npos || n == "." || n == "..") {
    throw Error("--name '" + n + "': must be a non-empty file-name part without slashes");
  }
  std::error_code ec;
  const fs::file_status st = fs::status(outDir, ec);
  if (!fs::exists(st)) return;
  if (!fs::is_directory(st)) throw fileError(outDir, "exists and is not a folder");
  if (overwrite) return;
  const std::string ours[] = {voxelEncoderOnnxFileName(n), backboneNeckHeadOnnxFileName(n), kAutowareParamFileName};
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(outDir)) {
    const std::string file = entry.path().filename().string();
    const bool target = std::find(std::begin(ours), std::end(ours), file) != std::end(ours);
    if (target || entry.path().extension() == ".onnx") found.push_back(file);
  }
  if (found.empty()) return;
  std::sort(found.begin(), found.end());
  std::string list;
  for (const auto& f : found) list += (list.empty() ? "" : ", ") + f;
  throw fileError(outDir, "already holds an export (" + list + "); pass --overwrite to replace it");
}

void exportCenterPointOnnx(CenterPoint& model, const CenterPointConfig& cfg, const std::string& outDir,
                           const OnnxExportOptions& options, bool overwrite) {
  refuseExistingExport(outDir, options, overwrite);
  model->eval();
  const std::string encoderFile = voxelEncoderOnnxFileName(options.name);
  const std::string denseFile = backboneNeckHeadOnnxFileName(options.name);
  const onnx::ModelProto encoder = buildVoxelEncoderModel(model, cfg, options);
  checkOnnxModel(encoder, encoderFile);
  requireEngineReady(encoder, encoderFile);
  const onnx::ModelProto dense = buildBackboneNeckHeadModel(model, cfg, options);
  checkOnnxModel(dense, denseFile);
  requireEngineReady(dense, denseFile);
  const std::pair<std::string, std::string> files[] = {{encoderFile, serialise(encoder, encoderFile)},
                                                       {denseFile, serialise(dense, denseFile)},
                                                       {kAutowareParamFileName, autowareMlPackageParams(cfg)}};
  std::error_code ec;
  fs::create_directories(outDir, ec);
  if (ec) throw fileError(outDir, "cannot create the folder: " + ec.message());
  for (const auto& [file, bytes] : files) writeStringAtomically((fs::path(outDir) / file).string(), bytes);
}

}  // namespace cpq
