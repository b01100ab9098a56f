#include "quant/HistogramCalibrator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/Error.h"
#include "quant/AmaxSearch.h"

namespace cpq {

namespace {

// histc counts in the input's dtype: float32 atomics stop counting at 2^24, so no single histc call may
// see more elements than that. Bins per frame can exceed it (a BEV map has > 2^24 zeros), hence chunks.
constexpr int64_t kExactChunk = int64_t{1} << 24;

}  // namespace

HistogramCalibrator::HistogramCalibrator(int64_t numBins, bool skipZeros, int numBits, bool isUnsigned)
    : requestedBins_(numBins), skipZeros_(skipZeros), numBits_(numBits), isUnsigned_(isUnsigned) {
  if (numBins < 2) throw Error("histogram calibrator: needs at least 2 bins, got " + std::to_string(numBins));
}

void HistogramCalibrator::collect(const at::Tensor& input) {
  const at::Tensor x = input.detach();
  if (!hasDevice_) {
    device_ = x.device();
    hasDevice_ = true;
  } else if (x.device() != device_) {
    throw Error("histogram calibrator: got a tensor on " + x.device().str() + " after collecting on " +
                device_.str());
  }
  ++batches_;
  elements_ += x.numel();
  if (x.numel() == 0) return;
  // A contiguous float32 |x|, so that flush() can bin it as flat chunks without another copy (activations
  // may come channels-last).
  at::Tensor absX;
  if (x.scalar_type() == at::kFloat) {
    absX = at::empty(x.sizes(), x.options());
    at::abs_out(absX, x);
  } else {
    absX = x.to(at::kFloat, /*non_blocking=*/false, /*copy=*/true, at::MemoryFormat::Contiguous);
    absX.abs_();
  }
  pending_.push_back({absX, absX.max()});
}

std::vector<at::Tensor> HistogramCalibrator::pendingMaxima() const {
  std::vector<at::Tensor> maxima;
  maxima.reserve(pending_.size());
  for (const auto& p : pending_) maxima.push_back(p.max);
  return maxima;
}

void HistogramCalibrator::flush(const std::vector<double>& hostMaxima) {
  if (hostMaxima.size() != pending_.size()) {
    throw Error("histogram calibrator: flush got " + std::to_string(hostMaxima.size()) + " maxima for " +
                std::to_string(pending_.size()) + " pending batches");
  }
  // Batches are binned in collection order: the first nonzero max fixes the bin width.
  std::vector<Pending> pending;
  pending.swap(pending_);
  for (size_t i = 0; i < pending.size(); ++i) bin(pending[i].absX, hostMaxima[i]);
}

void HistogramCalibrator::addToZeroBin(int64_t count) {
  hist_.narrow(0, 0, 1).add_(static_cast<double>(count));
}

void HistogramCalibrator::bin(const at::Tensor& absX, double max) {
  const int64_t numel = absX.numel();
  if (!std::isfinite(max))
    throw Error("histogram calibrator: the calibration input has NaN or infinite values");
  maxAbs_ = std::max(maxAbs_, max);
  if (max == 0.0) {
    // All zeros: nothing to bin by value, and no range to take from this batch.
    if (skipZeros_) {
      zerosSkippedHost_ += numel;
    } else if (bins_ > 0) {
      addToZeroBin(numel);
    } else {
      pendingZeros_ += numel;
    }
    return;
  }
  if (bins_ == 0) {
    // First range: the reference's linspace(0, max, n + 1) in float32, whose step is float32(max / n).
    bins_ = requestedBins_;
    width_ = static_cast<float>(max / static_cast<double>(bins_));
    lastEdge_ = max;
    hist_ = at::zeros({bins_}, at::TensorOptions(at::kDouble).device(device_));
    if (pendingZeros_ > 0 && !skipZeros_) addToZeroBin(pendingZeros_);
    pendingZeros_ = 0;
  } else if (max > lastEdge_) {
    // Same width, more bins: float32 ceil(max / width) as the reference; grown by one more if float32
    // rounding would leave the new max just outside the range (the reference then drops it).
    int64_t grown = static_cast<int64_t>(std::ceil(static_cast<float>(max) / static_cast<float>(width_)));
    double edge = static_cast<float>(static_cast<double>(grown) * width_);
    while (edge < max) {
      ++grown;
      edge = static_cast<float>(static_cast<double>(grown) * width_);
    }
    hist_ = at::constant_pad_nd(hist_, {0, grown - bins_}, 0);  // old counts stay in the first bins
    bins_ = grown;
    lastEdge_ = edge;
  }
  // Exact zeros (most of a BEV map and of every ReLU output over empty cells) would pile histc's atomics
  // onto bin 0: count them apart and move them below histc's range (values < 0 are ignored by histc).
  // absX is this calibrator's own copy, so it may be overwritten.
  const at::Tensor zeroMask = absX.eq(0);
  const at::Tensor zeros = zeroMask.sum();
  absX.masked_fill_(zeroMask, -1.0f);
  const at::Tensor flat = absX.view({-1});
  for (int64_t offset = 0; offset < numel; offset += kExactChunk) {
    const int64_t length = std::min(kExactChunk, numel - offset);
    // float32 counts, added into the float64 histogram (exact: each is at most 2^24).
    hist_.add_(at::histc(flat.narrow(0, offset, length), bins_, 0, lastEdge_));
  }
  if (skipZeros_) {
    zerosSkippedDevice_ = zerosSkippedDevice_.defined() ? zerosSkippedDevice_ + zeros : zeros;
  } else {
    hist_.narrow(0, 0, 1).add_(zeros);
  }
}

at::Tensor HistogramCalibrator::computeAmax(const AmaxOptions& options) const {
  if (!pending_.empty()) {
    throw Error("histogram calibrator: " + std::to_string(pending_.size()) +
                " collected batches are not flushed yet (call flush() first)");
  }
  if (batches_ == 0) throw Error("histogram calibrator: computeAmax before any data was collected");
  const auto out = at::TensorOptions(at::kFloat).device(device_);
  if (bins_ == 0) {
    // Every value seen was zero (or skipped): a dead quantizer, reported by stats().allZero().
    spdlog::debug("histogram calibrator: all {} values seen were zero, amax 0", elements_);
    return at::zeros({}, out);
  }
  double amax = maxAbs_;
  const std::vector<double> hostCounts = counts();
  const std::vector<double> hostEdges = edges();
  switch (options.method) {
    case AmaxMethod::Max:
      break;
    case AmaxMethod::Percentile:
      amax = percentileAmax(hostCounts, hostEdges, options.percentile);
      break;
    case AmaxMethod::Mse:
      amax = mseAmax(hostCounts, hostEdges, numBits_, isUnsigned_, options.startBin, options.stride);
      break;
    case AmaxMethod::Entropy:
      amax = entropyAmax(hostCounts, hostEdges, numBits_, isUnsigned_, options.startBin, options.stride);
      break;
  }
  return at::full({}, amax, out);
}

CalibrationStats HistogramCalibrator::stats() const {
  CalibrationStats s;
  s.batches = batches_;
  s.elements = elements_;
  s.maxAbs = maxAbs_;
  s.zerosSkipped = zerosSkippedHost_;
  if (zerosSkippedDevice_.defined()) s.zerosSkipped += zerosSkippedDevice_.item<int64_t>();
  return s;
}

void HistogramCalibrator::reset() {
  pending_.clear();
  hist_ = at::Tensor();
  bins_ = 0;
  width_ = 0.0;
  lastEdge_ = 0.0;
  pendingZeros_ = 0;
  zerosSkippedDevice_ = at::Tensor();
  zerosSkippedHost_ = 0;
  batches_ = 0;
  elements_ = 0;
  maxAbs_ = 0.0;
  hasDevice_ = false;
  device_ = at::Device(at::kCPU);
}

std::vector<double> HistogramCalibrator::counts() const {
  if (bins_ == 0) return {};
  const at::Tensor host = hist_.to(at::kCPU).contiguous();
  const double* p = host.data_ptr<double>();
  return std::vector<double>(p, p + host.numel());
}

std::vector<double> HistogramCalibrator::edges() const {
  if (bins_ == 0) return {};
  return uniformBinEdges(bins_, width_, lastEdge_);
}

}  // namespace cpq
