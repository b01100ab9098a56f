#include "ptq/ChannelEqualization.h"

#include <fmt/format.h>

#include <map>
#include <regex>

#include "core/Error.h"
#include "ptq/OutputRangeSearch.h"
#include "quant/QuantInsertion.h"

namespace cpq {
namespace {

int64_t inputChannelAxis(const QuantLayer& layer) { return layer.layerType() == "ConvTranspose2d" ? 0 : 1; }

int64_t outputChannels(QuantLayer& layer) { return layer.layerWeight().size(layer.outputChannelAxis()); }

// max |w| over every dim but `axis`: [size(axis)] on the CPU.
at::Tensor rangeAlong(const at::Tensor& w, int64_t axis) { return absMaxExcept(w, axis, false).cpu(); }

// `v` [n] shaped to broadcast along `axis` of a `dim`-d tensor.
at::Tensor alongAxis(const at::Tensor& v, int64_t axis, int64_t dim) {
  std::vector<int64_t> shape(dim, 1);
  shape[axis] = v.size(0);
  return v.reshape(shape);
}

// The consumer's input-channel scale: ones with s in [offset, offset + s.size(0)).
at::Tensor consumerScale(QuantLayer& layer, int64_t offset, const at::Tensor& s) {
  at::Tensor full = at::ones({layer.layerWeight().size(inputChannelAxis(layer))}, at::kFloat);
  full.narrow(0, offset, s.size(0)).copy_(s);
  return full;
}

// The candidates of the alpha search (coarser than the range search's: 33 per evaluation).
std::vector<double> alphaSearchCandidates(double absMax) {
  std::vector<double> c;
  if (!(absMax > 0)) return c;
  for (int k = 0; k <= 16; ++k) c.push_back(absMax * std::pow(2.0, -k / 2.0));
  for (int i = 1; i < 16; ++i) c.push_back(absMax * i / 16.0);
  std::sort(c.begin(), c.end());
  return c;
}

struct ConsumerCase {
  QuantLayer* layer;
  int64_t offset;
  LayerSamples* samples;
  at::Tensor reference;  // float output at the rows (unchanged by equalization)
  double energy;
};

// Relative quantized output error of one consumer with its input channels scaled by `full`.
double consumerError(const ConsumerCase& c, const at::Tensor& full) {
  QuantLayer& layer = *c.layer;
  const at::Tensor dev = full.to(c.samples->rows.device());
  const at::Tensor rows = c.samples->rows / dev.index({inputChannelOfRowElements(layer)});
  const at::Tensor& w = layer.layerWeight();
  const at::Tensor scaled = w.detach().to(at::kFloat) * alongAxis(dev, inputChannelAxis(layer), w.dim());
  const at::Tensor wq = maxCalibratedFakeQuant(scaled, layer.weightQuantizer()->descriptor());
  const double absMax = (c.samples->channelAbsMax / full).max().item<double>();
  double err = 0;
  bestAmaxOf(alphaSearchCandidates(absMax), layer, rows, layer.inputQuantizer()->descriptor(), wq,
             c.reference, &err);
  return err / c.energy;
}

double pairError(const std::vector<ConsumerCase>& cases, const at::Tensor& s) {
  double e = 0;
  for (const auto& c : cases) e += consumerError(c, consumerScale(*c.layer, c.offset, s));
  return e;
}

double spread(const at::Tensor& a) {
  const at::Tensor live = a.index({a > 0});
  return live.numel() ? (live.max() / live.min()).item<double>() : 0.0;
}

}  // namespace

std::vector<EqualizationPair> equalizationPairs(CenterPoint& model) {
  std::map<std::string, QuantLayer*> layers;
  for (const auto& [name, layer] : quantCapableLayers(*model)) layers[name] = layer;
  auto find = [&](const std::string& name) -> QuantLayer* {
    const auto it = layers.find(name);
    return it == layers.end() ? nullptr : it->second;
  };
  std::vector<EqualizationPair> pairs;
  auto add = [&](const std::string& producer, std::vector<EqualizationConsumer> consumers) {
    QuantLayer* p = find(producer);
    if (!p || consumers.empty()) return;
    EqualizationPair pair{producer, p, nullptr, std::move(consumers), outputChannels(*p)};
    pairs.push_back(std::move(pair));
  };
  auto requireFolded = [&](const std::string& name) {
    QuantLayer* l = find(name);
    if (l && !l->layerBias().defined())
      throw Error("equalization needs quantization.fusion.fuse_bn: true (the BN after " + name +
                  " is not folded)");
  };

  // The PFN's last Linear -> the first backbone conv (max over points and the scatter keep the scale).
  auto& pfn = *model->pts_voxel_encoder->pfn_layers;
  const int64_t lastPfn = static_cast<int64_t>(pfn.size()) - 1;
  const std::string pfnName = fmt::format("pts_voxel_encoder.pfn_layers.{}.linear", lastPfn);
  if (QuantLayer* first = find("pts_backbone.blocks.0.0")) {
    add(pfnName, {{"pts_backbone.blocks.0.0", first, 0}});
    auto pfnLayer = pfn[lastPfn]->as<PFNLayer>();
    if (!pfnLayer->norm->isFolded()) pairs.back().producerNorm = pfnLayer->norm.get();
  }

  // SECOND: blocks.<i>.<j> with convs at j = 0, 3, 6, ...
  const auto& blocks = *model->pts_backbone->blocks;
  std::vector<std::vector<std::string>> convs(blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i)
    for (int j = 0; find(fmt::format("pts_backbone.blocks.{}.{}", i, j)); j += 3)
      convs[i].push_back(fmt::format("pts_backbone.blocks.{}.{}", i, j));
  for (const auto& block : convs)
    for (const auto& name : block) requireFolded(name);
  const size_t deblocks = model->pts_neck->deblocks->size();
  for (size_t i = 0; i < convs.size(); ++i) {
    for (size_t j = 0; j + 1 < convs[i].size(); ++j)
      add(convs[i][j], {{convs[i][j + 1], find(convs[i][j + 1]), 0}});
    std::vector<EqualizationConsumer> next;
    if (i + 1 < convs.size() && !convs[i + 1].empty())
      next.push_back({convs[i + 1][0], find(convs[i + 1][0]), 0});
    const std::string deblock = fmt::format("pts_neck.deblocks.{}.0", i);
    if (i < deblocks && find(deblock)) next.push_back({deblock, find(deblock), 0});
    if (!convs[i].empty()) add(convs[i].back(), next);
  }

  // Neck deblocks -> their channel slice of the shared conv (concatenated in order).
  const std::string shared = "pts_bbox_head.shared_conv.conv";
  int64_t offset = 0;
  for (size_t i = 0; i < deblocks; ++i) {
    const std::string name = fmt::format("pts_neck.deblocks.{}.0", i);
    QuantLayer* d = find(name);
    if (!d) continue;
    requireFolded(name);
    const auto& wq = d->weightQuantizer();
    const bool perOutputChannel =
        wq.is_empty() || (wq->descriptor().axis && *wq->descriptor().axis == d->outputChannelAxis());
    if (find(shared) && perOutputChannel) add(name, {{shared, find(shared), offset}});
    offset += outputChannels(*d);
  }

  // Shared conv -> the first layer of every head branch; consecutive convs of a branch.
  requireFolded(shared);
  const std::regex branchLayer(R"(pts_bbox_head\.task_heads\.(\d+)\.(\w+)\.(\d+)(\.conv)?)");
  std::vector<EqualizationConsumer> heads;
  std::vector<std::pair<std::string, std::string>> chain;
  for (const auto& [name, layer] : quantCapableLayers(*model)) {
    std::smatch m;
    if (!std::regex_match(name, m, branchLayer)) continue;
    if (m[3] == "0") heads.push_back({name, layer, 0});
    if (m[4].matched) {  // a ConvModule: the next layer of the branch consumes it
      requireFolded(name);
      const std::string stem =
          fmt::format("pts_bbox_head.task_heads.{}.{}.{}", m[1].str(), m[2].str(), std::stoi(m[3]) + 1);
      chain.emplace_back(name, find(stem + ".conv") ? stem + ".conv" : stem);
    }
  }
  add(shared, heads);
  for (const auto& [producer, consumer] : chain)
    if (find(consumer)) add(producer, {{consumer, find(consumer), 0}});
  return pairs;
}

at::Tensor equalizationScales(const at::Tensor& a, const at::Tensor& r, double alpha) {
  const at::Tensor af = a.to(at::kDouble), rf = r.to(at::kDouble);
  const at::Tensor live = (af > 0) & (rf > 0);
  at::Tensor s = at::ones_like(af);
  if (live.any().item<bool>()) {
    const at::Tensor raw = af.index({live}).pow(alpha) / rf.index({live}).pow(1.0 - alpha);
    const at::Tensor normalised = raw / raw.log().mean().exp();
    s.index_put_({live}, normalised.clamp(1e-4, 1e4));
  }
  return s.to(at::kFloat);
}

void applyEqualization(const EqualizationPair& pair, const at::Tensor& s) {
  torch::NoGradGuard noGrad;
  QuantLayer& p = *pair.producerLayer;
  if (pair.producerNorm) {
    // BN1d(x) = gamma * (x - mean) / sd + beta: scaling gamma and beta by 1/s scales the output.
    auto& n = *pair.producerNorm;
    n.weight.div_(s.to(n.weight.device()));
    n.bias.div_(s.to(n.bias.device()));
  } else {
    at::Tensor& w = p.layerWeight();
    w.div_(alongAxis(s.to(w.device()), p.outputChannelAxis(), w.dim()));
    if (p.layerBias().defined()) p.layerBias().div_(s.to(p.layerBias().device()));
  }
  for (const auto& c : pair.consumers) {
    at::Tensor& w = c.layer->layerWeight();
    const at::Tensor full = consumerScale(*c.layer, c.channelOffset, s).to(w.device());
    w.mul_(alongAxis(full, inputChannelAxis(*c.layer), w.dim()));
  }
}

std::vector<EqualizationResult> equalizeChannels(CenterPoint& model, std::vector<LayerSamples>& samples,
                                                 const EqualizationOptions& options) {
  std::map<const QuantLayer*, LayerSamples*> byLayer;
  for (auto& s : samples) byLayer[s.layer] = &s;
  std::vector<EqualizationResult> results;
  for (const EqualizationPair& pair : equalizationPairs(model)) {
    std::vector<ConsumerCase> cases;
    at::Tensor a = at::zeros({pair.channels}, at::kFloat), r = at::zeros({pair.channels}, at::kFloat);
    bool complete = true;
    for (const auto& c : pair.consumers) {
      auto it = byLayer.find(c.layer);
      if (it == byLayer.end() || !it->second->channelAbsMax.defined()) {
        complete = false;
        break;
      }
      LayerSamples* s = it->second;
      a = at::maximum(a, s->channelAbsMax.narrow(0, c.channelOffset, pair.channels));
      r = at::maximum(r, rangeAlong(c.layer->layerWeight(), inputChannelAxis(*c.layer))
                             .narrow(0, c.channelOffset, pair.channels));
      if (!c.layer->isQuantized() || !s->rows.defined() || s->rows.size(0) == 0) continue;
      const at::Tensor ref = layerOutput(*c.layer, s->rows, c.layer->layerWeight().detach(), true);
      cases.push_back({c.layer, c.channelOffset, s, ref, std::max(ref.pow(2).mean().item<double>(), 1e-30)});
    }
    if (!complete || cases.empty()) continue;  // no quantized consumer: nothing to gain
    EqualizationResult res;
    res.producer = pair.producer;
    for (const auto& c : pair.consumers) res.consumers.push_back(c.name);
    res.rangeBefore = res.rangeAfter = spread(a);
    res.errorBefore = res.errorAfter = pairError(cases, at::ones({pair.channels}, at::kFloat));
    at::Tensor best;
    for (double alpha : options.alphas) {
      const at::Tensor s = equalizationScales(a, r, alpha);
      const double e = pairError(cases, s);
      if (e < res.errorAfter) {
        res.errorAfter = e;
        res.alpha = alpha;
        best = s;
      }
    }
    if (best.defined()) {
      applyEqualization(pair, best);
      for (const auto& c : pair.consumers) {  // the consumers' samples follow their weights
        LayerSamples& s = *byLayer.at(c.layer);
        const at::Tensor full = consumerScale(*c.layer, c.channelOffset, best);
        s.channelAbsMax = s.channelAbsMax / full;
        s.absMax = s.channelAbsMax.max().item<double>();
        if (s.rows.defined())
          s.rows = s.rows / full.to(s.rows.device()).index({inputChannelOfRowElements(*c.layer)});
      }
      res.rangeAfter = spread(a / best);
    }
    results.push_back(res);
  }
  return results;
}

}  // namespace cpq
