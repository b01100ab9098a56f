#pragma once
// Histogram of |x| (pytorch-quantization's HistogramCalibrator on its torch path, per-tensor only), turned
// into amax by percentile / mse / entropy (quant/AmaxSearch.h).
//
// Binning: numBins equal bins on [0, max] from the first batch with a nonzero max (a value equal to the
// max goes to the last bin); a later batch with a larger max keeps the bin WIDTH and grows the bin count to
// ceil(max / width). Differences from the reference, on purpose: an all-zero batch does not crash (its zeros
// wait for the first width, then go to bin 0), counts are exact beyond 2^24 per bin, and the range always
// covers the new max (the reference can leave it out by one float32 rounding).
//
// Deferred collection: histc needs its range as a host number, so collect() only records |x| and its
// device max; flush(hostMaxima) bins them once the maxima are on the host (see Calibrator.h). The pending
// |x| tensors live until then (one frame's worth when the CalibrationManager flushes per frame).
#include <vector>

#include "quant/Calibrator.h"

namespace cpq {

class HistogramCalibrator : public Calibrator {
 public:
  // numBits / isUnsigned only shape the mse and entropy searches (quantization levels).
  explicit HistogramCalibrator(int64_t numBins = 2048, bool skipZeros = false, int numBits = 8,
                               bool isUnsigned = false);

  void collect(const at::Tensor& x) override;
  std::vector<at::Tensor> pendingMaxima() const override;
  void flush(const std::vector<double>& hostMaxima) override;
  using Calibrator::flush;  // flush() without arguments stays visible next to the override
  // Max: the largest |x| seen; Percentile / Mse / Entropy: searched on the histogram. 0 when every value
  // seen was zero. cpq::Error with unflushed batches or before any collection.
  at::Tensor computeAmax(const AmaxOptions& options) const override;
  // Complete once flushed (maxAbs and zerosSkipped come from flushed batches).
  CalibrationStats stats() const override;
  void reset() override;

  // The histogram as it stands after the last flush (numBins() is 0 until a batch had a nonzero max).
  bool hasPending() const { return !pending_.empty(); }
  int64_t numBins() const { return bins_; }
  double binWidth() const { return width_; }
  double lastEdge() const { return lastEdge_; }
  std::vector<double> counts() const;  // copied to the host
  std::vector<double> edges() const;   // numBins() + 1 float32-valued edges

 private:
  struct Pending {
    at::Tensor absX;  // float32 |x|
    at::Tensor max;   // 0-dim device max of absX
  };
  void bin(const at::Tensor& absX, double max);
  void addToZeroBin(int64_t count);

  int64_t requestedBins_;
  bool skipZeros_;
  int numBits_;
  bool isUnsigned_;

  std::vector<Pending> pending_;
  at::Tensor hist_;  // float64 counts on the statistics' device (exact to 2^53)
  int64_t bins_ = 0;
  double width_ = 0.0;             // float32 value
  double lastEdge_ = 0.0;          // float32 value, the range's upper bound
  int64_t pendingZeros_ = 0;       // zeros of all-zero batches seen before the first width
  at::Tensor zerosSkippedDevice_;  // int64 on the device (skip_zeros, batches with a nonzero max)
  int64_t zerosSkippedHost_ = 0;   // skip_zeros, all-zero batches
  int64_t batches_ = 0;
  int64_t elements_ = 0;
  double maxAbs_ = 0.0;
  bool hasDevice_ = false;
  at::Device device_{at::kCPU};
};

}  // namespace cpq
