#pragma once
// The model the calibration harness (and its replay in tests/fuzz) applies calibration files to: a
// per-channel quantized Conv2d and a per-tensor quantized Linear.
#include <torch/nn/module.h>

#include <string>

#include "quant/QuantDescriptor.h"
#include "quant/QuantLayers.h"

namespace cpq::fuzz {

struct TinyQuantModel : torch::nn::Module {
  TinyQuantModel() {
    conv = register_module("conv", QuantConv2d(torch::nn::Conv2dOptions(2, 3, 1)));
    fc = register_module("fc", QuantLinear(torch::nn::LinearOptions(3, 2)));
    conv->attachQuantizers(*conv, QuantDescriptor::activation(CalibrationMethod::Max),
                           QuantDescriptor::weight(0));
    fc->attachQuantizers(*fc, QuantDescriptor::activation(CalibrationMethod::Max),
                         QuantDescriptor::weight(std::nullopt));
  }
  QuantConv2d conv{nullptr};
  QuantLinear fc{nullptr};
};

// A valid calibration file for TinyQuantModel.
inline std::string tinyCalibrationJson() {
  return R"({"format": "centerpoint-quant/calibration/v1", "method": "max", "batches": 2, "amax": {)"
         R"("conv._input_quantizer._amax": 3.5, "conv._weight_quantizer._amax": [0.5, 0.25, 1.0],)"
         R"("fc._input_quantizer._amax": 2.0, "fc._weight_quantizer._amax": 0.75}, "layers": []})";
}

}  // namespace cpq::fuzz
