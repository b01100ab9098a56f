#pragma once
// amax from a host histogram of |x| (pytorch-quantization's compute_amax; docs/quantization.md,
// 'Calibrators'), as pure functions so they can be tested and timed without a calibrator.
//
// A histogram is counts[0..n) and edges[0..n] (n + 1 increasing, non-negative values; counts[j] holds the
// values in [edges[j], edges[j+1])). All searches are O(n) or O(n * 2^bits / stride) so a 20000-bin
// histogram takes milliseconds, where the reference's loops take seconds.
#include <cstdint>
#include <vector>

namespace cpq {

// edges[j] = float32(j * width) for j < n and edges[n] = lastEdge (the histogram's exact upper bound), as
// the reference's float32 edge tensors hold them.
std::vector<double> uniformBinEdges(int64_t numBins, double width, double lastEdge);

// Left edge of the first bin whose cdf reaches percentile / 100, the cdf summed as numpy's
// cumsum(counts / sum) (which decides ties when p% is a whole count). 0 < percentile <= 100, else
// cpq::Error; an empty histogram (sum 0) is a cpq::Error too.
double percentileAmax(const std::vector<double>& counts, const std::vector<double>& edges, double percentile);

// Bin centre c_i (i = startBin, startBin + stride, ..., n - 1) minimising sum_j counts_j * (fq(c_j, c_i) -
// c_j)^2, fq the fake quantization with amax c_i and clamp [0, 2^(bits-1) - 1] (2^bits - 1 unsigned);
// the first minimum wins. cpq::Error when there is no candidate (n <= startBin).
double mseAmax(const std::vector<double>& counts, const std::vector<double>& edges, int numBits,
               bool isUnsigned, int64_t startBin = 128, int64_t stride = 1);

// TensorRT's KL-divergence search: edges[i] for the number of kept bins i in startBin..n (inclusive) whose
// quantized distribution (2^(bits-1) groups, 2^bits unsigned) diverges least from the clipped one; ties
// go to the largest i. cpq::Error when n < 2 or startBin > n.
double entropyAmax(const std::vector<double>& counts, const std::vector<double>& edges, int numBits,
                   bool isUnsigned, int64_t startBin = 128, int64_t stride = 1);

}  // namespace cpq
