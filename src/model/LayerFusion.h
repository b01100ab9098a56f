#pragma once
// BN and ReLU fusion on the in-memory model (docs/quantization.md, design notes): BN folds into the conv /
// deconv / linear before it (so calibration sees what TensorRT runs: conv with folded BN), and a ReLU right
// after a folded layer moves into that layer. A folded BN becomes the identity and leaves the state_dict (as
// Python's fused models drop it), so a fused checkpoint cannot be loaded into an unfused model: the
// loader reports the conv biases it does not expect (the "bias-drop trap" others hit silently).
#include <torch/nn/module.h>

#include <string>
#include <vector>

namespace cpq {

struct FusionOptions {
  bool fuseBn = true;
  bool fuseRelu = true;  // only for layers whose BN was folded (a ReLU cannot move in front of a BN)
  // The PFN's Linear + BN1d is folded only when the voxel encoder is quantized (TIER IV keeps it float,
  // BN and all).
  bool foldVoxelEncoderBn = false;
};

struct FusionReport {
  std::vector<std::string> foldedNorms;  // the BN modules folded, by AWML name
  std::vector<std::string> fusedRelus;   // the layers that now apply their ReLU
};

// Idempotent: already folded pairs are skipped. Call on a model in eval mode (running statistics).
FusionReport fuseLayers(torch::nn::Module& model, const FusionOptions& options);

}  // namespace cpq
