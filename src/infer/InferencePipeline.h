#pragma once
// One frame through the whole detector, in Autoware's stage order: voxelize -> decorate pillar features ->
// pts_voxel_encoder -> scatter -> backbone/neck/head -> decode. Each stage's tensor can be kept (the
// `infer --dump` contract of docs/model.md) and timed.
#include <ATen/ATen.h>

#include <vector>

#include "config/CenterPointConfig.h"
#include "decode/DecoderOptions.h"
#include "decode/Detection.h"
#include "model/CenterPoint.h"
#include "preprocess/Voxelizer.h"

namespace cpq {

struct StageTimes {  // milliseconds
  double voxelize = 0, features = 0, encoder = 0, scatter = 0, dense = 0, decode = 0;
};

struct InferenceTrace {
  at::Tensor inputFeatures;    // [N, 32, F]
  at::Tensor voxelCoords;      // [N, 4] int32 (batch, z, y, x)
  at::Tensor pillarFeatures;   // [N, 1, 32]
  at::Tensor spatialFeatures;  // [1, 32, H, W]
  HeadOutputs head;            // raw head outputs per task
  StageTimes times;
};

// The decoder settings a config implies (AWML test_cfg / bbox_coder, or the Autoware postprocess).
DecoderOptions decoderOptionsFor(const CenterPointConfig& cfg);

class InferencePipeline {
 public:
  InferencePipeline(const CenterPointConfig& cfg, CenterPoint model, at::Device device);

  // points: [N, 5] float32 x, y, z, intensity, time lag (readPcdBin's layout). A cloud that fills no pillar
  // (empty, all NaN, all out of range) gives no detections. trace, when given, receives every intermediate
  // tensor (on the CPU) and stage times.
  std::vector<Detection> run(const at::Tensor& points, InferenceTrace* trace = nullptr);
  // The network alone on a batch of clouds (their canvases stacked on the batch axis): no decoding and
  // no per-stage synchronisation. Calibration and error measurements use it.
  HeadOutputs forwardNetwork(const std::vector<at::Tensor>& clouds);
  CenterPoint& model() { return model_; }
  const at::Device& device() const { return device_; }

 private:
  CenterPointConfig cfg_;
  CenterPoint model_;
  at::Device device_;
  Voxelizer voxelizer_;
  DecoderOptions decoder_;
};

}  // namespace cpq
