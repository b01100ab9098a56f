#include "ptq/DisagreementFrame.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/Error.h"
#include "ptq/PlotCanvas.h"

namespace cpq {
namespace {

constexpr PlotColour kMissed{255, 40, 40}, kExtra{255, 0, 255}, kWhite{255, 255, 255};
constexpr int kTitle = 24, kGap = 4;

struct Obj {
  double x, y;
  int label;
};

// GT boxes that count: a model class and points inside.
std::vector<std::pair<Obj, const EvalBox*>> countedGt(const std::vector<EvalBox>& gt,
                                                      const std::vector<std::string>& classNames) {
  std::vector<std::pair<Obj, const EvalBox*>> out;
  for (const EvalBox& b : gt) {
    if (b.numPts == 0) continue;
    const auto it = std::find(classNames.begin(), classNames.end(), b.detectionName);
    if (it == classNames.end()) continue;
    out.push_back({{b.translation[0], b.translation[1], static_cast<int>(it - classNames.begin())}, &b});
  }
  return out;
}

std::vector<const Detection*> counted(const std::vector<Detection>& dets, double minScore) {
  std::vector<const Detection*> out;
  for (const Detection& d : dets)
    if (d.score >= minScore) out.push_back(&d);
  return out;
}

bool finds(const std::vector<const Detection*>& dets, const Obj& o, double distance) {
  for (const Detection* d : dets)
    if (d->label == o.label && std::hypot(d->x - o.x, d->y - o.y) <= distance) return true;
  return false;
}

bool findsGt(const std::vector<std::pair<Obj, const EvalBox*>>& gt, const Obj& o, double distance) {
  for (const auto& g : gt)
    if (g.first.label == o.label && std::hypot(g.first.x - o.x, g.first.y - o.y) <= distance) return true;
  return false;
}

Obj objOf(const Detection& d) { return {d.x, d.y, d.label}; }

BevBox bevOf(const Detection& d) { return {d.x, d.y, d.l, d.w, d.yaw}; }
BevBox bevOf(const EvalBox& b) {
  return {b.translation[0], b.translation[1], b.size[1], b.size[0], quaternionYaw(b.rotation)};
}

// The same pixel mapping as renderBev: x forward up, y left left, view.pixels / (2 range) pixels per metre.
void drawBox(PlotCanvas& c, int left, int top, const BevView& view, const BevBox& b, PlotColour colour) {
  const double scale = view.pixels / (2.0 * view.range), half = view.pixels / 2.0;
  auto col = [&](double y) { return left + half - y * scale; };
  auto row = [&](double x) { return top + half - x * scale; };
  const double cs = std::cos(b.yaw), sn = std::sin(b.yaw), hl = b.length / 2, hw = b.width / 2;
  const double lx[4] = {hl, hl, -hl, -hl}, ly[4] = {hw, -hw, -hw, hw};
  double px[4], py[4];
  for (int k = 0; k < 4; ++k) {
    px[k] = b.x + cs * lx[k] - sn * ly[k];
    py[k] = b.y + sn * lx[k] + cs * ly[k];
  }
  for (int k = 0; k < 4; ++k)
    c.line(col(py[k]), row(px[k]), col(py[(k + 1) % 4]), row(px[(k + 1) % 4]), colour, 3);
  c.line(col(b.y), row(b.x), col(b.y + sn * hl), row(b.x + cs * hl), colour, 3);
}

}  // namespace

std::vector<FrameDisagreement> frameDisagreements(const std::vector<std::vector<Detection>>& fp32,
                                                  const std::vector<std::vector<Detection>>& int8,
                                                  const std::vector<std::vector<EvalBox>>& gt,
                                                  const std::vector<std::string>& classNames,
                                                  const DisagreementOptions& options) {
  if (fp32.size() != int8.size() || fp32.size() != gt.size())
    throw Error(fmt::format("disagreement frame: {} FP32, {} INT8 and {} ground-truth frames", fp32.size(),
                            int8.size(), gt.size()));
  std::vector<FrameDisagreement> out;
  for (size_t i = 0; i < fp32.size(); ++i) {
    FrameDisagreement f;
    f.frame = i;
    const auto a = counted(fp32[i], options.minScore), b = counted(int8[i], options.minScore);
    const auto g = countedGt(gt[i], classNames);
    for (const auto& box : g) {
      const bool byA = finds(a, box.first, options.matchDistance),
                 byB = finds(b, box.first, options.matchDistance);
      f.gtFoundByBoth += byA && byB;
      f.gtFoundByFp32Only += byA && !byB;
      f.gtFoundByInt8Only += byB && !byA;
    }
    for (const Detection* d : a)
      f.extraFp32 +=
          !findsGt(g, objOf(*d), options.matchDistance) && !finds(b, objOf(*d), options.matchDistance);
    for (const Detection* d : b)
      f.extraInt8 +=
          !findsGt(g, objOf(*d), options.matchDistance) && !finds(a, objOf(*d), options.matchDistance);
    out.push_back(f);
  }
  return out;
}

FrameDisagreement mostDisagreeingFrame(const std::vector<std::vector<Detection>>& fp32,
                                       const std::vector<std::vector<Detection>>& int8,
                                       const std::vector<std::vector<EvalBox>>& gt,
                                       const std::vector<std::string>& classNames,
                                       const DisagreementOptions& options) {
  const auto all = frameDisagreements(fp32, int8, gt, classNames, options);
  if (all.empty()) throw Error("disagreement frame: no frames");
  const FrameDisagreement* best = &all.front();
  for (const FrameDisagreement& f : all)
    if (f.total() > best->total()) best = &f;
  return *best;
}

RgbImage renderDisagreementFrame(const DisagreementFrameView& v) {
  const int panel = v.view.pixels;
  PlotCanvas c(2 * panel + kGap, panel + kTitle, {0, 0, 0});
  const FrameDisagreement& d = v.disagreement;
  c.text(6, 8,
         fmt::format("frame {}  {}  fp32-only GT {}  int8-only GT {}  extra fp32 {}  extra int8 {}", d.frame,
                     v.sampleToken, d.gtFoundByFp32Only, d.gtFoundByInt8Only, d.extraFp32, d.extraInt8),
         kWhite);

  at::Tensor points = v.points.defined() && v.points.numel() > 0
                          ? v.points.to(at::kCPU, at::kFloat).contiguous()
                          : at::zeros({0, 3}, at::kFloat);
  if (points.dim() != 2 || points.size(1) < 3)
    throw Error("disagreement frame: points must be [N, >= 3], got " + std::to_string(points.dim()) +
                " dims");
  const auto g = countedGt(v.gt, v.classNames);
  std::vector<BevBox> gtBoxes;
  for (const auto& box : g) gtBoxes.push_back(bevOf(*box.second));

  const char* names[2] = {"FP32", "INT8"};
  const auto countedA = counted(v.fp32, v.options.minScore), countedB = counted(v.int8, v.options.minScore);
  const std::vector<const Detection*>* countedOf[2] = {&countedA, &countedB};
  for (int m = 0; m < 2; ++m) {
    const auto& mine = *countedOf[m];
    const auto& other = *countedOf[1 - m];
    std::vector<BevBox> preds;
    for (const Detection* det : mine) preds.push_back(bevOf(*det));
    const RgbImage bev = renderBev(points.data_ptr<float>(), points.size(0), static_cast<int>(points.size(1)),
                                   gtBoxes, preds, v.view);
    const int left = m * (panel + kGap);
    c.blit(bev, left, kTitle);
    int missed = 0, extra = 0;
    for (const auto& box : g)
      if (finds(other, box.first, v.options.matchDistance) &&
          !finds(mine, box.first, v.options.matchDistance)) {
        drawBox(c, left, kTitle, v.view, bevOf(*box.second), kMissed);
        ++missed;
      }
    for (const Detection* det : mine)
      if (!findsGt(g, objOf(*det), v.options.matchDistance) &&
          !finds(other, objOf(*det), v.options.matchDistance)) {
        drawBox(c, left, kTitle, v.view, bevOf(*det), kExtra);
        ++extra;
      }
    c.text(left + 8, kTitle + 8, names[m], kWhite, 2);
    c.text(left + 8, kTitle + 30,
           fmt::format("{} detections  {} missed  {} extra", mine.size(), missed, extra), kWhite);
  }
  return c.release();
}

}  // namespace cpq
