#include "quant/CalibrationManager.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

#include "core/Error.h"
#include "quant/HistogramCalibrator.h"
#include "quant/QuantInsertion.h"

namespace cpq {

std::string describeMethod(const QuantDescriptor& desc, const AmaxOptions& options) {
  if (desc.calibMethod == CalibrationMethod::Max) return "max";
  std::string m = "histogram+" + toString(options.method);
  if (options.method == AmaxMethod::Percentile) m += fmt::format("({})", options.percentile);
  if (desc.skipZeros) m += ",skip_zeros";
  return m;
}

CalibrationManager::CalibrationManager(torch::nn::Module& model)
    : model_(model), owners_(quantizerOwners(model)) {
  if (owners_.empty()) throw Error("calibration: the model has no quantized layers");
}

void CalibrationManager::begin() {
  for (auto& o : owners_) {
    o.input->enableCalibration();
    o.input->calibrator()->reset();
    if (!o.weight.is_empty()) o.weight->disable();
  }
  batches_ = 0;
}

void CalibrationManager::endBatch(const std::string& batchLabel) {
  // Gather every pending device maximum into one tensor: one synchronisation for the whole network.
  std::vector<at::Tensor> maxima;
  std::vector<size_t> counts;
  for (auto& o : owners_) {
    auto pending = o.input->calibrator()->pendingMaxima();
    counts.push_back(pending.size());
    for (auto& m : pending) maxima.push_back(m.reshape({}).to(at::kDouble));
  }
  std::vector<double> host;
  if (!maxima.empty()) {
    const at::Tensor all = at::stack(maxima).cpu().contiguous();
    host.assign(all.data_ptr<double>(), all.data_ptr<double>() + all.numel());
  }
  size_t offset = 0;
  for (size_t i = 0; i < owners_.size(); ++i) {
    std::vector<double> mine(host.begin() + offset, host.begin() + offset + counts[i]);
    offset += counts[i];
    for (double v : mine)
      if (!std::isfinite(v))
        throw Error(fmt::format("calibration: non-finite activation at the input of {} in batch {} ({})",
                                owners_[i].name, batches_, batchLabel));
    owners_[i].input->calibrator()->flush(mine);
  }
  ++batches_;
}

std::vector<LayerCalibration> CalibrationManager::finish(const AmaxOptions& options) {
  torch::NoGradGuard noGrad;
  std::vector<LayerCalibration> out;
  if (batches_ == 0) throw Error("calibration: no batch was collected");
  for (auto& o : owners_) {
    TensorQuantizer in = o.input, w = o.weight;
    const std::string& name = o.name;
    LayerCalibration lc;
    lc.layer = name;
    lc.layerType = o.type;
    lc.method = describeMethod(in->descriptor(), options);
    lc.inputStats = in->calibrator()->stats();
    if (!std::isfinite(lc.inputStats.maxAbs))
      throw Error(fmt::format("calibration: non-finite activation at the input of {}", name));
    lc.sawOnlyZeros = lc.inputStats.allZero();
    if (lc.sawOnlyZeros) {
      spdlog::warn(
          "calibration: {} saw only zeros in {} batches: its input amax is 0 (dead) and the layer "
          "stays float",
          name, batches_);
      in->setAmax(at::zeros({}, at::kFloat));
    } else {
      AmaxOptions o = options;
      if (in->descriptor().calibMethod == CalibrationMethod::Max) o.method = AmaxMethod::Max;
      try {
        in->loadCalibratedAmax(o);
      } catch (const Error& e) {
        throw Error("calibration of " + name + ": " + e.what());
      }
    }
    lc.inputAmax = in->amax().item<double>();
    if (const auto* hist = dynamic_cast<const HistogramCalibrator*>(in->calibrator());
        hist != nullptr && hist->numBins() > 0) {
      lc.inputHistogram.counts = hist->counts();
      lc.inputHistogram.edges = hist->edges();
      lc.inputHistogram.numBits = in->descriptor().numBits;
      lc.inputHistogram.isUnsigned = in->descriptor().isUnsigned;
    }
    if (o.layer) {
      // Weights: max calibration of the tensor itself (per channel), no data needed.
      w->enableCalibration();
      w->calibrator()->reset();
      w->forward(o.layer->layerWeight().detach());
      w->calibrator()->flush();
      lc.weightAmax = w->loadCalibratedAmax(AmaxOptions{AmaxMethod::Max}).detach().to(at::kCPU).clone();
    }
    enableOwnerQuantization(o);  // a dead input leaves the layer float
    out.push_back(std::move(lc));
  }
  return out;
}

}  // namespace cpq
