#include "quant/QuantDescriptor.h"

namespace cpq {

std::string toString(CalibrationMethod m) {
  switch (m) {
    case CalibrationMethod::Max:
      return "max";
    case CalibrationMethod::Histogram:
      return "histogram";
  }
  return "unknown";
}

std::string toString(AmaxMethod m) {
  switch (m) {
    case AmaxMethod::Max:
      return "max";
    case AmaxMethod::Percentile:
      return "percentile";
    case AmaxMethod::Mse:
      return "mse";
    case AmaxMethod::Entropy:
      return "entropy";
  }
  return "unknown";
}

QuantDescriptor QuantDescriptor::activation(CalibrationMethod method, int64_t numBins, bool skipZeros) {
  QuantDescriptor d;
  d.narrowRange = false;  // TensorRT activations use [-128, 127]
  d.calibMethod = method;
  d.numBins = numBins;
  d.skipZeros = skipZeros;
  return d;
}

QuantDescriptor QuantDescriptor::weight(std::optional<int64_t> axis) {
  QuantDescriptor d;
  d.axis = axis;
  d.narrowRange = true;  // TensorRT weights use [-127, 127]
  d.calibMethod = CalibrationMethod::Max;
  return d;
}

}  // namespace cpq
