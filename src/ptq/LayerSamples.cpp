#include "ptq/LayerSamples.h"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "core/Error.h"
#include "core/TorchCompat.h"

namespace cpq {
namespace {

using at::indexing::Slice;

struct ConvGeometry {
  int64_t kh, kw, sh, sw, ph, pw;
};

// Conv2d geometry; nullopt when the row form does not hold (groups, dilation, non-numeric padding).
std::optional<ConvGeometry> convGeometry(const QuantConv2dImpl& c) {
  const auto& o = c.options;
  const auto* pad = compat::variantGetIf<torch::ExpandingArray<2>>(o.padding());
  if (!pad || o.groups() != 1 || (*o.dilation())[0] != 1 || (*o.dilation())[1] != 1) return std::nullopt;
  return ConvGeometry{(*o.kernel_size())[0],
                      (*o.kernel_size())[1],
                      (*o.stride())[0],
                      (*o.stride())[1],
                      (**pad)[0],
                      (**pad)[1]};
}

bool isUpsamplingDeconv(const QuantConvTranspose2dImpl& d) {
  const auto& o = d.options;
  const auto* pad = compat::variantGetIf<torch::ExpandingArray<2>>(o.padding());
  return pad && (**pad)[0] == 0 && (**pad)[1] == 0 && o.groups() == 1 && (*o.dilation())[0] == 1 &&
         (*o.dilation())[1] == 1 && (*o.output_padding())[0] == 0 && (*o.output_padding())[1] == 0 &&
         (*o.kernel_size())[0] == (*o.stride())[0] && (*o.kernel_size())[1] == (*o.stride())[1];
}

int64_t kernelArea(QuantLayer& layer) {
  const at::Tensor& w = layer.layerWeight();
  return w.dim() == 4 ? w.size(2) * w.size(3) : 1;
}

// `count` distinct indices of [0, n) (all when n <= count), ascending, from a seeded CPU generator.
at::Tensor pickIndices(int64_t n, int64_t count, at::Generator& gen) {
  if (n <= count) return at::arange(n, at::kLong);
  return std::get<0>(at::randperm(n, gen, at::TensorOptions().dtype(at::kLong)).narrow(0, 0, count).sort());
}

// Per-channel max |x| of a layer input (channels on dim 1 for BEV maps, last dim for Linear inputs).
at::Tensor channelAbsMaxOf(const at::Tensor& x, bool channelsLast) {
  const at::Tensor a = x.detach().abs().to(at::kFloat);
  if (channelsLast) return std::get<0>(a.reshape({-1, a.size(-1)}).max(0));
  return std::get<0>(a.transpose(0, 1).reshape({a.size(1), -1}).max(1));
}

// Conv2d rows at the sampled output cells (b, oy, ox) of input x [B, C, H, W].
at::Tensor convRows(const at::Tensor& x, const ConvGeometry& g, const at::Tensor& b, const at::Tensor& oy,
                    const at::Tensor& ox) {
  const at::Tensor xp = at::constant_pad_nd(x.detach(), {g.pw, g.pw, g.ph, g.ph});
  std::vector<at::Tensor> taps;
  for (int64_t dy = 0; dy < g.kh; ++dy)
    for (int64_t dx = 0; dx < g.kw; ++dx)
      taps.push_back(xp.index({b, Slice(), oy * g.sh + dy, ox * g.sw + dx}));
  return at::stack(taps, 2).reshape({b.size(0), -1}).to(at::kFloat);  // [n, C, kh*kw] -> [n, C*kh*kw]
}

}  // namespace

bool hasRowForm(QuantLayer& layer) {
  if (auto* c = dynamic_cast<QuantConv2dImpl*>(&layer)) return convGeometry(*c).has_value();
  if (auto* d = dynamic_cast<QuantConvTranspose2dImpl*>(&layer)) return isUpsamplingDeconv(*d);
  return dynamic_cast<QuantLinearImpl*>(&layer) != nullptr;
}

at::Tensor layerMatrix(QuantLayer& layer, const at::Tensor& weight) {
  if (layer.layerType() == "ConvTranspose2d") return weight.reshape({weight.size(0), -1});  // [C, O*kh*kw]
  return weight.reshape({weight.size(0), -1}).t();                                          // [K, O]
}

at::Tensor layerBiasRow(QuantLayer& layer) {
  const at::Tensor& w = layer.layerWeight();
  const int64_t outputs = w.size(layer.outputChannelAxis());
  const at::Tensor bias = layer.layerBias().defined() ? layer.layerBias().detach().to(at::kFloat)
                                                      : at::zeros({outputs}, w.options().dtype(at::kFloat));
  if (layer.layerType() == "ConvTranspose2d") return bias.repeat_interleave(kernelArea(layer));
  return bias;
}

at::Tensor outputChannelOfColumns(QuantLayer& layer) {
  const at::Tensor& w = layer.layerWeight();
  const int64_t outputs = w.size(layer.outputChannelAxis());
  const at::Tensor c = at::arange(outputs, at::TensorOptions().dtype(at::kLong).device(w.device()));
  return layer.layerType() == "ConvTranspose2d" ? c.repeat_interleave(kernelArea(layer)) : c;
}

at::Tensor inputChannelOfRowElements(QuantLayer& layer) {
  const at::Tensor& w = layer.layerWeight();
  const at::TensorOptions o = at::TensorOptions().dtype(at::kLong).device(w.device());
  if (layer.layerType() == "Conv2d") return at::arange(w.size(1), o).repeat_interleave(kernelArea(layer));
  if (layer.layerType() == "ConvTranspose2d") return at::arange(w.size(0), o);
  return at::arange(w.size(1), o);
}

at::Tensor layerOutput(QuantLayer& layer, const at::Tensor& rows, const at::Tensor& weight, bool activate) {
  at::Tensor y =
      at::addmm(layerBiasRow(layer).to(rows.device()), rows, layerMatrix(layer, weight).to(at::kFloat));
  return activate && layer.fusedRelu() ? at::relu(y) : y;
}

at::Tensor occupancyAt(const at::Tensor& occupancy, int64_t h, int64_t w) {
  const int64_t H = occupancy.size(1), W = occupancy.size(2);
  if (h == H && w == W) return occupancy;
  if (H % h == 0 && W % w == 0 && H / h == W / w) {
    const at::Tensor f = occupancy.unsqueeze(1).to(at::kFloat);
    return at::max_pool2d(f, {H / h, W / w}, {H / h, W / w}).squeeze(1) > 0;
  }
  if (h % H == 0 && w % W == 0 && h / H == w / W)
    return occupancy.repeat_interleave(h / H, 1).repeat_interleave(w / W, 2);
  throw Error(fmt::format("occupancy: a {}x{} map cannot be carried to {}x{}", H, W, h, w));
}

std::vector<LayerSamples> captureLayerSamples(const std::vector<std::pair<std::string, QuantLayer*>>& layers,
                                              const std::string& canvasLayer, int64_t batches,
                                              const std::function<void(int64_t)>& forwardBatch,
                                              const LayerSampleOptions& options) {
  if (options.rowsPerFrame <= 0) throw Error("layer samples: rows per frame must be positive");
  if (!(options.emptyShare >= 0 && options.emptyShare < 1))
    throw Error("layer samples: the share of empty cells must be in [0, 1)");
  std::vector<LayerSamples> samples(layers.size());
  std::vector<std::vector<at::Tensor>> rowParts(layers.size());
  std::map<std::string, QuantLayer*> byName;
  for (size_t i = 0; i < layers.size(); ++i) {
    samples[i].name = layers[i].first;
    samples[i].layer = layers[i].second;
    if (!hasRowForm(*layers[i].second))
      throw Error("layer samples: " + layers[i].first +
                  " has no row form (groups, dilation or deconv padding)");
  }
  QuantLayer* canvas = nullptr;
  for (const auto& [name, layer] : layers)
    if (name == canvasLayer) canvas = layer;
  if (!canvas) throw Error("layer samples: the canvas layer " + canvasLayer + " is not among the layers");

  at::Generator gen = at::detail::createCPUGenerator(options.seed);
  at::Tensor occupancy;  // [B, H0, W0] of the current batch
  for (size_t i = 0; i < layers.size(); ++i) {
    QuantLayer* layer = layers[i].second;
    layer->setInputObserver([&, i, layer](const at::Tensor& x) {
      LayerSamples& s = samples[i];
      const bool isLinear = layer->layerType() == "Linear";
      if (layer == canvas) occupancy = x.detach().abs().sum(1) > 0;
      const at::Tensor cmax = channelAbsMaxOf(x, isLinear).cpu();
      s.channelAbsMax = s.channelAbsMax.defined() ? at::maximum(s.channelAbsMax, cmax) : cmax;
      s.absMax = std::max(s.absMax, cmax.numel() ? cmax.max().item<double>() : 0.0);
      if (isLinear) {
        const at::Tensor flat = x.detach().reshape({-1, x.size(-1)});
        const at::Tensor real = (flat.abs().sum(1) > 0).nonzero().squeeze(1).cpu();
        s.cellsSeen += real.size(0);
        const int64_t frames = x.dim() == 3 ? 1 : x.size(0);  // the PFN sees all frames' pillars at once
        const at::Tensor pick = pickIndices(real.size(0), options.rowsPerFrame * frames, gen);
        rowParts[i].push_back(flat.index({real.index({pick}).to(flat.device())}).to(at::kFloat));
        return;
      }
      if (!occupancy.defined()) throw Error("layer samples: " + s.name + " ran before the canvas layer");
      int64_t h = x.size(2), w = x.size(3);
      std::optional<ConvGeometry> g;
      if (auto* c = dynamic_cast<QuantConv2dImpl*>(layer)) {
        g = convGeometry(*c);
        h = (h + 2 * g->ph - g->kh) / g->sh + 1;
        w = (w + 2 * g->pw - g->kw) / g->sw + 1;
      }
      const at::Tensor occ = occupancyAt(occupancy, h, w);  // where the sampled cells may lie
      const int64_t emptyRows = static_cast<int64_t>(std::llround(options.rowsPerFrame * options.emptyShare));
      for (int64_t b = 0; b < x.size(0); ++b) {
        const at::Tensor flat = occ[b].reshape({-1});
        const at::Tensor cells = flat.nonzero().squeeze(1).cpu();
        const at::Tensor empty = flat.logical_not().nonzero().squeeze(1).cpu();
        s.cellsSeen += cells.size(0);
        const at::Tensor pick =
            at::cat({cells.index({pickIndices(cells.size(0), options.rowsPerFrame - emptyRows, gen)}),
                     empty.index({pickIndices(empty.size(0), emptyRows, gen)})});
        const at::Tensor cy = at::floor_divide(pick, w).to(x.device()),
                         cx = at::remainder(pick, w).to(x.device());
        const at::Tensor bb = at::full_like(cy, b);
        rowParts[i].push_back(g ? convRows(x, *g, bb, cy, cx)
                                : x.detach().index({bb, Slice(), cy, cx}).to(at::kFloat));
      }
    });
  }
  try {
    for (int64_t i = 0; i < batches; ++i) {
      forwardBatch(i);
      occupancy = at::Tensor();
    }
  } catch (...) {
    for (const auto& item : layers) item.second->setInputObserver({});
    throw;
  }
  for (const auto& item : layers) item.second->setInputObserver({});
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerSamples& s = samples[i];
    if (!rowParts[i].empty()) s.rows = at::cat(rowParts[i], 0);
  }
  return samples;
}

}  // namespace cpq
