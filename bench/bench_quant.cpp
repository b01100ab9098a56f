// Quantization numerics. BM_AmaxSearch: amax from a host histogram (percentile / mse / entropy) for the
// usual 2048 bins and a grown 19456-bin histogram (the reference's Python loops take seconds to tens of
// seconds per layer; the goal is all ~35 layers of a model in about a second). BM_FakeQuantize* against
// BM_Identity (a disabled quantizer) and BM_Clone (one read + one write of the tensor, the floor of any
// elementwise op) on a [1, 64, 256, 256] activation; BM_HistogramCollect: collect + flush of one batch.
#include <benchmark/benchmark.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <random>
#include <vector>

#include "quant/AmaxSearch.h"
#include "quant/FakeQuantize.h"
#include "quant/HistogramCalibrator.h"
#include "quant/TensorQuantizer.h"

namespace {

using namespace cpq;

// A calibration-like histogram: exponential bulk, a spike of exact zeros, a sparse far tail.
struct Histogram {
  std::vector<double> counts, edges;
};

Histogram syntheticHistogram(int64_t bins) {
  std::mt19937 rng(42);
  std::exponential_distribution<double> decay(1.0);
  Histogram h;
  h.counts.assign(static_cast<size_t>(bins), 0.0);
  for (int s = 0; s < 2000000; ++s) {
    const double v = decay(rng) * static_cast<double>(bins) / 10.0;
    h.counts[static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(v), bins - 1))] += 1;
  }
  h.counts[0] += 5.0e7;
  h.counts[static_cast<size_t>(bins - 1)] += 1;
  const double width = 8.0 / 2048;
  h.edges = uniformBinEdges(bins, width, static_cast<float>(static_cast<double>(bins) * width));
  return h;
}

void BM_AmaxSearch(benchmark::State& state) {
  const auto method = static_cast<AmaxMethod>(state.range(0));
  const Histogram h = syntheticHistogram(state.range(1));
  for (auto _ : state) {
    double amax = 0;
    switch (method) {
      case AmaxMethod::Percentile:
        amax = percentileAmax(h.counts, h.edges, 99.99);
        break;
      case AmaxMethod::Mse:
        amax = mseAmax(h.counts, h.edges, 8, false);
        break;
      case AmaxMethod::Entropy:
        amax = entropyAmax(h.counts, h.edges, 8, false);
        break;
      case AmaxMethod::Max:
        break;
    }
    benchmark::DoNotOptimize(amax);
  }
  state.SetLabel(toString(method) + " " + std::to_string(state.range(1)) + " bins");
}
BENCHMARK(BM_AmaxSearch)
    ->ArgsProduct({{static_cast<int64_t>(AmaxMethod::Percentile), static_cast<int64_t>(AmaxMethod::Mse),
                    static_cast<int64_t>(AmaxMethod::Entropy)},
                   {2048, 19456}})
    ->Unit(benchmark::kMillisecond);

at::Tensor activation() {
  at::manual_seed(0);
  return at::relu(at::randn({1, 64, 256, 256}));
}

void setBytes(benchmark::State& state, const at::Tensor& x) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * x.numel() *
                          static_cast<int64_t>(x.element_size()));
}

void BM_Identity(benchmark::State& state) {
  const at::Tensor x = activation();
  TensorQuantizer q(QuantDescriptor::activation(CalibrationMethod::Histogram));  // disabled
  for (auto _ : state) benchmark::DoNotOptimize(q->forward(x));
  setBytes(state, x);
}
BENCHMARK(BM_Identity)->Unit(benchmark::kMillisecond);

void BM_Clone(benchmark::State& state) {
  const at::Tensor x = activation();
  for (auto _ : state) benchmark::DoNotOptimize(x.clone());
  setBytes(state, x);
}
BENCHMARK(BM_Clone)->Unit(benchmark::kMillisecond);

void BM_FakeQuantize(benchmark::State& state) {
  const at::Tensor x = activation();
  const at::Tensor amax = at::scalar_tensor(2.5f);
  for (auto _ : state) benchmark::DoNotOptimize(fakeQuantize(x, amax, 8, false, false));
  setBytes(state, x);
}
BENCHMARK(BM_FakeQuantize)->Unit(benchmark::kMillisecond);

// Per-channel amax [1, 64, 1, 1] (the weight path's broadcasting, on an activation-sized tensor).
void BM_FakeQuantizePerChannel(benchmark::State& state) {
  const at::Tensor x = activation();
  const at::Tensor amax = at::rand({1, 64, 1, 1}) + 1.0;
  for (auto _ : state) benchmark::DoNotOptimize(fakeQuantize(x, amax, 8, false, true));
  setBytes(state, x);
}
BENCHMARK(BM_FakeQuantizePerChannel)->Unit(benchmark::kMillisecond);

void BM_FakeQuantizeForwardBackward(benchmark::State& state) {
  const at::Tensor x = activation().set_requires_grad(true);
  const at::Tensor amax = at::scalar_tensor(2.5f);
  for (auto _ : state) {
    fakeQuantize(x, amax, 8, false, false).sum().backward();
    x.mutable_grad() = at::Tensor();
  }
  setBytes(state, x);
}
BENCHMARK(BM_FakeQuantizeForwardBackward)->Unit(benchmark::kMillisecond);

void BM_HistogramCollect(benchmark::State& state) {
  const at::Tensor x = activation();
  HistogramCalibrator calib(2048);
  for (auto _ : state) {
    calib.collect(x);
    calib.flush();
  }
  setBytes(state, x);
}
BENCHMARK(BM_HistogramCollect)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
