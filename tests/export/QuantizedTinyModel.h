#pragma once
// A fake-quant tiny CenterPoint for the Q/DQ export tests: BN (and ReLU) fused, quantizers inserted outside
// the skipped prefixes, amax set either by hand (fixed, distinct per layer) or from data with Max
// calibrators, and every quantizer Quantizing.
#include <ATen/ATen.h>

#include <optional>
#include <string>
#include <vector>

#include "model/CenterPoint.h"
#include "model/LayerFusion.h"
#include "quant/QuantInsertion.h"
#include "quant/TensorQuantizer.h"

namespace cpq::testing {

struct QuantSetup {
  std::vector<std::string> skip = {"pts_voxel_encoder", "pts_backbone.blocks.0"};  // TIER IV's float layers
  bool foldVoxelEncoderBn = false;  // true when the PFN is quantized
  std::optional<int64_t> convTransposeAxis;
  QuantDescriptor input = QuantDescriptor::activation(CalibrationMethod::Max);
};

// Per-channel abs max of a weight along `axis` (keepdim), or the per-tensor abs max.
inline at::Tensor weightAbsMax(const at::Tensor& w, std::optional<int64_t> axis) {
  const at::Tensor a = w.detach().abs();
  if (!axis) return a.max();
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (d != *axis) dims.push_back(d);
  return at::amax(a, dims, /*keepdim=*/true);
}

// The fused model with quantizers inserted (all disabled).
inline CenterPoint fusedModelWithQuantizers(const CenterPointConfig& cfg, uint64_t seed,
                                            const QuantSetup& s) {
  CenterPoint model = makeRandomCenterPoint(cfg, seed);
  model->eval();
  FusionOptions f;
  f.foldVoxelEncoderBn = s.foldVoxelEncoderBn;
  fuseLayers(*model, f);
  QuantizerPlan r;
  r.input = s.input;
  r.skipPrefixes = s.skip;
  r.convTransposeWeightAxis = s.convTransposeAxis;
  insertQuantizers(*model, r);
  return model;
}

// Weight amax = abs max (per channel where the descriptor says so); input amax of the k-th quantized layer
// = 1.5 + 0.125 k (exact in float32, distinct per layer). Everything Quantizing.
inline void setFixedAmax(CenterPoint& model) {
  int k = 0;
  for (const auto& [name, layer] : quantizedLayers(*model)) {
    layer->inputQuantizer()->setAmax(at::scalar_tensor(1.5 + 0.125 * k++, at::kFloat));
    layer->weightQuantizer()->setAmax(
        weightAbsMax(layer->layerWeight(), layer->weightQuantizer()->descriptor().axis));
  }
  setQuantizerStates(*model, QuantizerState::Quantizing);
}

// Input amax from the input quantizers' calibrators over one encoder and one dense forward (`method`: Max
// for Max calibrators, or a histogram method); weight amax = abs max.
inline void calibrate(CenterPoint& model, const at::Tensor& inputFeatures, const at::Tensor& spatialFeatures,
                      AmaxMethod method) {
  torch::NoGradGuard noGrad;
  setQuantizerStates(*model, QuantizerState::Calibrating);
  model->encodePillars(inputFeatures);
  model->forwardDense(spatialFeatures);
  AmaxOptions o;
  o.method = method;
  for (const auto& [name, layer] : quantizedLayers(*model)) {
    layer->inputQuantizer()->calibrator()->flush();  // collection may be deferred
    layer->inputQuantizer()->loadCalibratedAmax(o);
    layer->weightQuantizer()->setAmax(
        weightAbsMax(layer->layerWeight(), layer->weightQuantizer()->descriptor().axis));
  }
  setQuantizerStates(*model, QuantizerState::Quantizing);
}

inline void calibrateMax(CenterPoint& model, const at::Tensor& inputFeatures,
                         const at::Tensor& spatialFeatures) {
  calibrate(model, inputFeatures, spatialFeatures, AmaxMethod::Max);
}

}  // namespace cpq::testing
