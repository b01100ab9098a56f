#include "train/TargetAssigner.h"

#include <algorithm>
#include <cmath>

#include "core/Error.h"
#include "train/GaussianTargets.h"

namespace cpq {
namespace {

// The geometry of the head map, as float32 as mmdet3d's train_cfg tensors.
struct HeadGrid {
  float xMin, yMin, voxelX, voxelY, outSizeFactor;
  int64_t width, height;
};

HeadGrid headGrid(const CenterPointConfig& cfg) {
  return {cfg.pointCloudRange[0],
          cfg.pointCloudRange[1],
          cfg.voxelSize[0],
          cfg.voxelSize[1],
          static_cast<float>(cfg.head.outSizeFactor),
          cfg.headWidth(),
          cfg.headHeight()};
}

// The task's boxes in mmdet3d's order: class by class, input order within a class.
std::vector<std::pair<const LidarBox*, int>> taskBoxes(const std::vector<LidarBox>& boxes,
                                                       const std::vector<int>& labels) {
  std::vector<std::pair<const LidarBox*, int>> out;
  for (std::size_t c = 0; c < labels.size(); ++c) {
    for (const auto& b : boxes) {
      if (b.label == labels[c]) out.emplace_back(&b, static_cast<int>(c));
    }
  }
  return out;
}

// Writes one box's targets; returns false when its centre cell is outside the head map.
bool assignBox(const LidarBox& box, int cls, int64_t slot, const HeadGrid& g, const TrainTargetConfig& t,
               TaskTargets& out) {
  // Sizes and the centre in head cells, float32 like mmdet3d's box tensor.
  const float lengthCells = static_cast<float>(box.length) / g.voxelX / g.outSizeFactor;
  const float widthCells = static_cast<float>(box.width) / g.voxelY / g.outSizeFactor;
  if (!(lengthCells > 0 && widthCells > 0)) return false;
  const int radius = heatmapRadius(widthCells, lengthCells, t.gaussianOverlap, t.minRadius);
  const float cx = (static_cast<float>(box.center.x()) - g.xMin) / g.voxelX / g.outSizeFactor;
  const float cy = (static_cast<float>(box.center.y()) - g.yMin) / g.voxelY / g.outSizeFactor;
  // mmdet3d's .to(int32) truncates toward zero, so a centre just below the first cell (-1 < c < 0) still
  // lands in cell 0; the test on the float (also false for NaN) keeps the cast defined.
  const bool inside =
      cx > -1.0f && cx < static_cast<float>(g.width) && cy > -1.0f && cy < static_cast<float>(g.height);
  if (!inside) return false;
  const auto ix = static_cast<int64_t>(cx);
  const auto iy = static_cast<int64_t>(cy);
  if (ix >= g.width || iy >= g.height) return false;

  at::Tensor channel = out.heatmap[cls];
  drawHeatmapGaussian(channel, ix, iy, radius);
  // Velocity: finite in both components, else 0 (see the header). mmdet3d tests vx only and zeroes
  // both; a lone NaN vy would otherwise poison the L1.
  const bool velocityKnown = std::isfinite(box.velocity.x()) && std::isfinite(box.velocity.y());
  const float row[10] = {cx - static_cast<float>(ix),
                         cy - static_cast<float>(iy),
                         static_cast<float>(box.center.z()),
                         std::log(static_cast<float>(box.length)),
                         std::log(static_cast<float>(box.width)),
                         std::log(static_cast<float>(box.height)),
                         std::sin(static_cast<float>(box.yaw)),
                         std::cos(static_cast<float>(box.yaw)),
                         velocityKnown ? static_cast<float>(box.velocity.x()) : 0.0f,
                         velocityKnown ? static_cast<float>(box.velocity.y()) : 0.0f};
  std::copy(row, row + 10, out.annoBox.data_ptr<float>() + slot * 10);
  out.ind.data_ptr<int64_t>()[slot] = iy * g.width + ix;
  out.mask.data_ptr<uint8_t>()[slot] = 1;
  return true;
}

}  // namespace

std::vector<std::vector<int>> taskLabels(const CenterPointConfig& cfg) {
  std::vector<std::vector<int>> out;
  for (const auto& task : cfg.head.tasks) {
    std::vector<int> labels;
    for (const auto& name : task) {
      const auto it = std::find(cfg.classNames.begin(), cfg.classNames.end(), name);
      if (it == cfg.classNames.end()) throw Error("targets: task class '" + name + "' is not in class_names");
      labels.push_back(static_cast<int>(it - cfg.classNames.begin()));
    }
    out.push_back(labels);
  }
  return out;
}

Targets assignTargets(const CenterPointConfig& cfg, const std::vector<LidarBox>& boxes) {
  const HeadGrid g = headGrid(cfg);
  const int64_t maxObjs = static_cast<int64_t>(cfg.trainTargets.maxObjs) * cfg.trainTargets.denseReg;
  Targets targets;
  for (const auto& labels : taskLabels(cfg)) {
    TaskTargets t;
    t.heatmap = at::zeros({static_cast<int64_t>(labels.size()), g.height, g.width}, at::kFloat);
    t.annoBox = at::zeros({maxObjs, 10}, at::kFloat);
    t.ind = at::zeros({maxObjs}, at::kLong);
    t.mask = at::zeros({maxObjs}, at::kByte);
    const auto ordered = taskBoxes(boxes, labels);
    const int64_t count = std::min<int64_t>(static_cast<int64_t>(ordered.size()), maxObjs);
    for (int64_t k = 0; k < count; ++k) {
      const auto& [box, cls] = ordered[static_cast<std::size_t>(k)];
      assignBox(*box, cls, k, g, cfg.trainTargets, t);
    }
    targets.push_back(std::move(t));
  }
  return targets;
}

Targets stackTargets(const std::vector<Targets>& frames) {
  if (frames.empty()) return {};
  Targets out(frames.front().size());
  for (std::size_t task = 0; task < out.size(); ++task) {
    std::vector<at::Tensor> heatmaps, boxes, inds, masks;
    for (const auto& f : frames) {
      if (f.size() != out.size()) throw Error("targets: frames disagree on the number of tasks");
      heatmaps.push_back(f[task].heatmap);
      boxes.push_back(f[task].annoBox);
      inds.push_back(f[task].ind);
      masks.push_back(f[task].mask);
    }
    out[task] = {at::stack(heatmaps), at::stack(boxes), at::stack(inds), at::stack(masks)};
  }
  return out;
}

Targets targetsTo(const Targets& targets, const at::Device& device) {
  Targets out;
  for (const auto& t : targets) {
    out.push_back({t.heatmap.to(device), t.annoBox.to(device), t.ind.to(device), t.mask.to(device)});
  }
  return out;
}

}  // namespace cpq
