#pragma once
// Output-error range search (LiDAR-PTQ's per-layer range search, here on the layer's output): the
// activation amax of a quantized layer is chosen from candidates spread over the whole observed range,
// minimising the mean squared error of the layer's quantized output (INT8 input and weights, bias, fused
// ReLU) against its float output on sampled cells that hold data (ptq/LayerSamples). Unlike
// pytorch-quantization's mse search (candidates from bin 128 of 2048, never below 1/16 of the maximum),
// the candidates reach down to 2^-12 of the maximum, and what is compared is the layer's output, not its
// input.
#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "ptq/LayerSamples.h"
#include "quant/QuantDescriptor.h"

namespace cpq {

// max |w| over every dim but `axis` ([size(axis)], or keepdim-shaped for broadcasting against w).
at::Tensor absMaxExcept(const at::Tensor& w, int64_t axis, bool keepdim);

// A weight fake-quantized as its max-calibrated quantizer does: amax = max |w| per channel along
// desc.axis (per tensor without an axis).
at::Tensor maxCalibratedFakeQuant(const at::Tensor& weight, const QuantDescriptor& desc);

// The candidates for an observed maximum `absMax` > 0, ascending: absMax * 2^(-k/4) for k = 0..48 and
// absMax * i/64 for i = 1..64, duplicates removed.
std::vector<double> rangeCandidates(double absMax);

// Mean squared error of the layer's output with the input fake-quantized at `amax` (by `inputDesc`) and
// the weight `quantizedWeight` (already fake-quantized), against `reference` (the float output).
double quantizedOutputError(QuantLayer& layer, const at::Tensor& rows, const QuantDescriptor& inputDesc,
                            double amax, const at::Tensor& quantizedWeight, const at::Tensor& reference);

struct RangeSearchResult {
  std::string layer;
  double calibratedAmax = 0;  // what the calibrator chose
  double searchedAmax = 0;    // what the search chose (the calibrated one when the search cannot run)
  double calibratedError = 0, searchedError = 0;  // output MSE relative to the float output's mean square
  int64_t rows = 0;
  int64_t candidates = 0;
};

// The best amax of the candidates around the observed maximum, refined by 16 steps between the best
// candidate's neighbours; the first minimum wins. `calibratedAmax` is scored too (and kept on a tie, so
// the search never makes the sampled error worse). Layers without rows or with a zero range keep it.
RangeSearchResult searchInputAmax(const LayerSamples& samples, const QuantDescriptor& inputDesc,
                                  const at::Tensor& quantizedWeight, double calibratedAmax);

// The same when only candidate amax are wanted: the first minimum of `candidates` (ascending).
double bestAmaxOf(const std::vector<double>& candidates, QuantLayer& layer, const at::Tensor& rows,
                  const QuantDescriptor& inputDesc, const at::Tensor& quantizedWeight,
                  const at::Tensor& reference, double* bestError = nullptr);

}  // namespace cpq
