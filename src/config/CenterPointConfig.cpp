#include "config/CenterPointConfig.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>

#include "core/AtomicFile.h"
#include "core/Error.h"

namespace cpq {
namespace {

// Reads typed values at dotted paths and collects every problem instead of stopping at the first, so a
// user fixes a config in one round.
class ConfigReader {
 public:
  explicit ConfigReader(YAML::Node root) : root_(std::move(root)) {}

  // Looks a dotted path up without inserting anything (const access) and without yaml-cpp's assignment
  // gotcha (Node::operator= rebinds the node it is called on).
  std::optional<YAML::Node> node(const std::string& path) const {
    YAML::Node cur;
    cur.reset(root_);
    std::stringstream ss(path);
    std::string part;
    while (std::getline(ss, part, '.')) {
      const YAML::Node& view = cur;
      if (!view.IsMap()) return std::nullopt;
      const YAML::Node next = view[part];
      if (!next.IsDefined()) return std::nullopt;
      cur.reset(next);
    }
    return cur;
  }

  bool has(const std::string& path) const { return node(path).has_value(); }

  template <typename T>
  T get(const std::string& path, const T& fallback, bool required = false) {
    std::optional<YAML::Node> found = node(path);
    if (!found || found->IsNull()) {
      if (required) problem(path, "missing");
      return fallback;
    }
    try {
      return found->as<T>();
    } catch (const YAML::Exception&) {
      problem(path, "has the wrong type");
      return fallback;
    }
  }

  void problem(const std::string& path, const std::string& what) { problems_.push_back(path + ": " + what); }
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  YAML::Node root_;
  std::vector<std::string> problems_;
};

template <typename T, size_t N>
std::array<T, N> getArray(ConfigReader& r, const std::string& path, const std::array<T, N>& fallback,
                          bool required) {
  auto v = r.get<std::vector<T>>(path, {}, required);
  if (v.empty()) return fallback;
  if (v.size() != N) {
    r.problem(path, "expected " + std::to_string(N) + " values, got " + std::to_string(v.size()));
    return fallback;
  }
  std::array<T, N> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

std::string joined(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

void readGeometry(ConfigReader& r, CenterPointConfig& c) {
  c.pointCloudRange = getArray<float, 6>(r, "point_cloud_range", {}, true);
  c.voxelSize = getArray<float, 3>(r, "voxel_size", {}, true);
  c.classNames = r.get<std::vector<std::string>>("class_names", {}, true);
  for (int a = 0; a < 3; ++a) {
    const double extent = double(c.pointCloudRange[a + 3]) - double(c.pointCloudRange[a]);
    if (c.voxelSize[a] <= 0 || extent <= 0) {
      r.problem("voxel_size", "voxel sizes and the range extent must be positive");
      return;
    }
    const double cells = extent / c.voxelSize[a];
    c.gridSize[a] = static_cast<int64_t>(std::llround(cells));  // mmdet3d: round((max - min) / voxel)
    if (std::abs(cells - double(c.gridSize[a])) > 1e-4) {
      r.problem("voxel_size", "the range along axis " + std::to_string(a) + " (" + std::to_string(extent) +
                                  " m) is not an integral number of voxels (" + std::to_string(cells) + ")");
    }
  }
}

void readVoxelLayer(ConfigReader& r, CenterPointConfig& c) {
  const std::string p = "model.data_preprocessor.voxel_layer.";
  c.voxelLayer.maxNumPoints = r.get<int>(p + "max_num_points", 32);
  auto mv = r.get<std::vector<int>>(p + "max_voxels", {});
  if (mv.size() == 2) {
    c.voxelLayer.maxVoxelsTrain = mv[0];
    c.voxelLayer.maxVoxelsTest = mv[1];
  } else if (!mv.empty()) {
    r.problem(p + "max_voxels", "expected [train, test]");
  }
  if (c.voxelLayer.maxNumPoints <= 0) r.problem(p + "max_num_points", "must be positive");
  if (c.voxelLayer.maxVoxelsTrain <= 0 || c.voxelLayer.maxVoxelsTest <= 0)
    r.problem(p + "max_voxels", "must be positive");
  if (r.has(p + "voxel_size") && getArray<float, 3>(r, p + "voxel_size", {}, false) != c.voxelSize) {
    r.problem(p + "voxel_size", "differs from the top-level voxel_size");
  }
  if (r.has(p + "point_cloud_range") &&
      getArray<float, 6>(r, p + "point_cloud_range", {}, false) != c.pointCloudRange) {
    r.problem(p + "point_cloud_range", "differs from the top-level point_cloud_range");
  }
}

void readVoxelEncoder(ConfigReader& r, CenterPointConfig& c) {
  const std::string p = "model.pts_voxel_encoder.";
  auto& e = c.voxelEncoder;
  e.type = r.get<std::string>(p + "type", e.type, true);
  if (e.type != "PillarFeatureNet" && e.type != "BackwardPillarFeatureNet") {
    r.problem(p + "type",
              "unknown encoder type '" + e.type + "' (known: PillarFeatureNet, BackwardPillarFeatureNet)");
  }
  e.inChannels = r.get<int>(p + "in_channels", e.inChannels, true);
  if (e.inChannels != 4 && e.inChannels != 5) {
    r.problem(p + "in_channels", "must be 4 (x, y, z, time lag) or 5 (x, y, z, intensity, time lag), got " +
                                     std::to_string(e.inChannels));
  }
  e.featChannels = r.get<std::vector<int>>(p + "feat_channels", e.featChannels);
  if (e.featChannels.empty()) r.problem(p + "feat_channels", "must list at least one layer");
  if (r.get<bool>(p + "with_distance", false))
    r.problem(p + "with_distance", "true is not supported (AWML uses false)");
  e.normEps = r.get<float>(p + "norm_cfg.eps", e.normEps);
  e.normMomentum = r.get<float>(p + "norm_cfg.momentum", e.normMomentum);
  if (r.has("model.encoder_in_feature_size")) {
    const int declared = r.get<int>("model.encoder_in_feature_size", 0);
    if (declared != e.featureCount()) {
      r.problem("model.encoder_in_feature_size",
                "wrong feature count: " + std::to_string(declared) + ", but " + e.type + " with " +
                    std::to_string(e.inChannels) + " point dims builds " + std::to_string(e.featureCount()));
    }
  }
  const std::string m = "model.pts_middle_encoder.";
  if (r.has(m + "type") && r.get<std::string>(m + "type", "") != "PointPillarsScatter") {
    r.problem(m + "type", "unknown middle encoder (known: PointPillarsScatter)");
  }
  if (r.has(m + "in_channels") && !e.featChannels.empty() &&
      r.get<int>(m + "in_channels", 0) != e.featChannels.back()) {
    r.problem(m + "in_channels", "must equal the last of pts_voxel_encoder.feat_channels");
  }
  if (r.has(m + "output_shape")) {
    auto shape = r.get<std::vector<int64_t>>(m + "output_shape", {});
    if (shape.size() != 2 || shape[0] != c.gridSize[1] || shape[1] != c.gridSize[0]) {
      r.problem(m + "output_shape", "must be the BEV grid [ny, nx] = [" + std::to_string(c.gridSize[1]) +
                                        ", " + std::to_string(c.gridSize[0]) + "]");
    }
  }
}

void readBackbone(ConfigReader& r, CenterPointConfig& c) {
  const std::string p = "model.pts_backbone.";
  auto& b = c.backbone;
  if (r.get<std::string>(p + "type", "SECOND") != "SECOND")
    r.problem(p + "type", "unknown backbone (known: SECOND)");
  b.inChannels = r.get<int>(p + "in_channels", b.inChannels);
  b.outChannels = r.get<std::vector<int>>(p + "out_channels", b.outChannels);
  b.layerNums = r.get<std::vector<int>>(p + "layer_nums", b.layerNums);
  b.layerStrides = r.get<std::vector<int>>(p + "layer_strides", b.layerStrides);
  b.normEps = r.get<float>(p + "norm_cfg.eps", b.normEps);
  b.normMomentum = r.get<float>(p + "norm_cfg.momentum", b.normMomentum);
  if (b.layerNums.size() != b.outChannels.size() || b.layerStrides.size() != b.outChannels.size()) {
    r.problem(p + "layer_nums", "out_channels, layer_nums and layer_strides must have one entry per block");
  }
  for (int s : b.layerStrides)
    if (s < 1) r.problem(p + "layer_strides", "strides must be >= 1");
  if (!c.voxelEncoder.featChannels.empty() && b.inChannels != c.voxelEncoder.featChannels.back()) {
    r.problem(p + "in_channels",
              "must equal the pillar feature width " + std::to_string(c.voxelEncoder.featChannels.back()));
  }
}

void readNeck(ConfigReader& r, CenterPointConfig& c) {
  const std::string p = "model.pts_neck.";
  auto& n = c.neck;
  if (r.get<std::string>(p + "type", "SECONDFPN") != "SECONDFPN")
    r.problem(p + "type", "unknown neck (known: SECONDFPN)");
  n.inChannels = r.get<std::vector<int>>(p + "in_channels", n.inChannels);
  n.outChannels = r.get<std::vector<int>>(p + "out_channels", n.outChannels);
  n.upsampleStrides = r.get<std::vector<double>>(p + "upsample_strides", n.upsampleStrides);
  n.useConvForNoStride = r.get<bool>(p + "use_conv_for_no_stride", n.useConvForNoStride);
  n.normEps = r.get<float>(p + "norm_cfg.eps", n.normEps);
  n.normMomentum = r.get<float>(p + "norm_cfg.momentum", n.normMomentum);
  if (n.inChannels != c.backbone.outChannels) {
    r.problem(p + "in_channels", joined(n.inChannels) + " must equal pts_backbone.out_channels " +
                                     joined(c.backbone.outChannels));
  }
  if (n.outChannels.size() != n.inChannels.size() || n.upsampleStrides.size() != n.inChannels.size()) {
    r.problem(p + "out_channels",
              "in_channels, out_channels and upsample_strides must have one entry per level");
  }
}

void readHead(ConfigReader& r, CenterPointConfig& c) {
  const std::string p = "model.pts_bbox_head.";
  auto& h = c.head;
  if (r.get<std::string>(p + "type", "CenterHead") != "CenterHead")
    r.problem(p + "type", "unknown head (known: CenterHead)");
  h.inChannels = r.get<int>(p + "in_channels", h.inChannels);
  const int neckOut = std::accumulate(c.neck.outChannels.begin(), c.neck.outChannels.end(), 0);
  if (h.inChannels != neckOut) {
    r.problem(p + "in_channels", std::to_string(h.inChannels) +
                                     " must equal the sum of pts_neck.out_channels (" +
                                     std::to_string(neckOut) + ")");
  }
  const YAML::Node tasks = r.node(p + "tasks").value_or(YAML::Node());
  if (!tasks.IsSequence() || tasks.size() == 0) r.problem(p + "tasks", "must list at least one task");
  std::set<std::string> seen;
  for (size_t t = 0; tasks.IsSequence() && t < tasks.size(); ++t) {
    const std::string tp = p + "tasks." + std::to_string(t);
    auto names = tasks[t]["class_names"] ? tasks[t]["class_names"].as<std::vector<std::string>>()
                                         : std::vector<std::string>{};
    const int num = tasks[t]["num_class"] ? tasks[t]["num_class"].as<int>() : static_cast<int>(names.size());
    if (names.empty() || num != static_cast<int>(names.size()))
      r.problem(tp, "num_class must equal the number of class_names");
    for (const auto& name : names) {
      if (std::find(c.classNames.begin(), c.classNames.end(), name) == c.classNames.end())
        r.problem(tp, "class '" + name + "' is not in class_names");
      if (!seen.insert(name).second) r.problem(tp, "class '" + name + "' appears in two tasks");
    }
    h.tasks.push_back(names);
  }
  const YAML::Node heads = r.node(p + "common_heads").value_or(YAML::Node());
  const std::vector<std::pair<std::string, int>> expected{
      {"reg", 2}, {"height", 1}, {"dim", 3}, {"rot", 2}, {"vel", 2}};
  if (!heads.IsMap()) {
    r.problem(p + "common_heads", "missing (expected reg, height, dim, rot, vel)");
  } else {
    for (auto it = heads.begin(); it != heads.end(); ++it) {
      auto v = it->second.as<std::vector<int>>();
      if (v.size() != 2)
        r.problem(p + "common_heads." + it->first.as<std::string>(), "expected [channels, num_conv]");
      else
        h.commonHeads.push_back({it->first.as<std::string>(), v[0], v[1]});
    }
    bool ok = h.commonHeads.size() == expected.size();
    for (size_t i = 0; ok && i < expected.size(); ++i)
      ok = h.commonHeads[i].name == expected[i].first && h.commonHeads[i].outChannels == expected[i].second;
    if (!ok)
      r.problem(p + "common_heads",
                "must be, in order, reg [2,n], height [1,n], dim [3,n], rot [2,n], vel [2,n]");
  }
  h.numHeatmapConvs = r.get<int>(p + "num_heatmap_convs", h.numHeatmapConvs);
  h.shareConvChannel = r.get<int>(p + "share_conv_channel", h.shareConvChannel);
  h.headConv = r.get<int>(p + "separate_head.head_conv", h.headConv);
  h.finalKernel = r.get<int>(p + "separate_head.final_kernel", h.finalKernel);
  h.initBias = r.get<float>(p + "separate_head.init_bias", h.initBias);
  h.normEps = r.get<float>(p + "norm_cfg.eps", h.normEps);
  h.normMomentum = r.get<float>(p + "norm_cfg.momentum", h.normMomentum);
  const std::string bc = p + "bbox_coder.";
  h.outSizeFactor = r.get<int>(bc + "out_size_factor", h.outSizeFactor, true);
  h.postCenterRange = getArray<float, 6>(r, bc + "post_center_range", h.postCenterRange, false);
  h.maxNum = r.get<int>(bc + "max_num", h.maxNum);
  h.scoreThreshold = r.get<float>(bc + "score_threshold", h.scoreThreshold);
  if (r.has(bc + "voxel_size")) {
    auto vs = r.get<std::vector<float>>(bc + "voxel_size", {});
    if (vs.size() != 2 || vs[0] != c.voxelSize[0] || vs[1] != c.voxelSize[1])
      r.problem(bc + "voxel_size", "must be voxel_size[:2]");
  }
  if (r.has(bc + "pc_range")) {
    auto pc = r.get<std::vector<float>>(bc + "pc_range", {});
    if (pc.size() != 2 || pc[0] != c.pointCloudRange[0] || pc[1] != c.pointCloudRange[1])
      r.problem(bc + "pc_range", "must be point_cloud_range[:2]");
  }
  const std::string tc = "model.test_cfg.pts.";
  if (r.has(tc + "out_size_factor") && r.get<int>(tc + "out_size_factor", 0) != h.outSizeFactor) {
    r.problem(tc + "out_size_factor", "differs from bbox_coder.out_size_factor");
  }
  auto radii = r.get<std::vector<float>>(tc + "min_radius", {h.minRadius});
  if (radii.size() != h.tasks.size() && !h.tasks.empty())
    r.problem(tc + "min_radius", "needs one value per task");
  h.minRadius = radii.empty() ? h.minRadius : radii[0];
  h.postMaxSize = r.get<int>(tc + "post_max_size", h.postMaxSize);
  if (r.get<std::string>(tc + "nms_type", "circle") != "circle")
    r.problem(tc + "nms_type", "only 'circle' is supported");
}

void checkStrides(ConfigReader& r, CenterPointConfig& c) {
  const int osf = c.head.outSizeFactor;
  if (osf < 1 || c.gridSize[0] % osf != 0 || c.gridSize[1] % osf != 0) {
    r.problem("model.pts_bbox_head.bbox_coder.out_size_factor",
              "out_size_factor " + std::to_string(osf) + " does not divide the grid " +
                  std::to_string(c.gridSize[0]) + " x " + std::to_string(c.gridSize[1]));
    return;
  }
  const auto& b = c.backbone;
  const auto& n = c.neck;
  if (b.layerStrides.size() != n.upsampleStrides.size()) return;  // reported already
  double stride = 1;
  for (size_t i = 0; i < b.layerStrides.size(); ++i) {
    stride *= b.layerStrides[i];
    const double u = n.upsampleStrides[i];
    if (u <= 0 || std::abs(stride / u - osf) > 1e-6) {
      r.problem("model.pts_neck.upsample_strides", "level " + std::to_string(i) + " ends at stride " +
                                                       std::to_string(stride / u) +
                                                       ", but out_size_factor is " + std::to_string(osf));
    }
  }
  double total = 1;
  for (int s : b.layerStrides) total *= s;
  if (std::fmod(double(c.gridSize[0]), total) != 0 || std::fmod(double(c.gridSize[1]), total) != 0) {
    r.problem("model.pts_backbone.layer_strides", "the grid is not divisible by the total backbone stride");
  }
}

void readPostprocess(ConfigReader& r, CenterPointConfig& c) {
  auto& pp = c.postprocess;
  pp.decoder = r.get<std::string>("postprocess.decoder", pp.decoder);
  if (pp.decoder != "awml" && pp.decoder != "autoware")
    r.problem("postprocess.decoder", "must be awml or autoware");
  pp.autowareScoreThreshold = r.get<float>("postprocess.score_threshold", pp.autowareScoreThreshold);
  pp.circleNmsDistance = r.get<float>("postprocess.circle_nms_dist_threshold", pp.circleNmsDistance);
  pp.iouNmsThreshold = r.get<float>("postprocess.iou_nms_threshold", pp.iouNmsThreshold);
  pp.iouNmsSearchDistance = r.get<float>("postprocess.iou_nms_search_distance_2d", pp.iouNmsSearchDistance);
  std::vector<float> fallback;
  for (const auto& name : c.classNames) fallback.push_back(name == "pedestrian" ? 0.0f : 0.3f);
  pp.yawNormThresholds = r.get<std::vector<float>>("postprocess.yaw_norm_thresholds", fallback);
  if (pp.yawNormThresholds.size() != c.classNames.size())
    r.problem("postprocess.yaw_norm_thresholds", "needs one value per class");
}

void readTrainTargets(ConfigReader& r, CenterPointConfig& c) {
  auto& t = c.trainTargets;
  const std::string p = "model.train_cfg.pts.";
  t.gaussianOverlap = r.get<float>(p + "gaussian_overlap", t.gaussianOverlap);
  t.minRadius = r.get<int>(p + "min_radius", t.minRadius);
  t.maxObjs = r.get<int>(p + "max_objs", t.maxObjs);
  t.denseReg = r.get<int>(p + "dense_reg", t.denseReg);
  t.codeWeights = r.get<std::vector<float>>(p + "code_weights", t.codeWeights);
  const std::string h = "model.pts_bbox_head.";
  t.lossClsWeight = r.get<float>(h + "loss_cls.loss_weight", t.lossClsWeight);
  t.lossBboxWeight = r.get<float>(h + "loss_bbox.loss_weight", t.lossBboxWeight);
  if (t.gaussianOverlap <= 0 || t.gaussianOverlap >= 1)
    r.problem(p + "gaussian_overlap", "must be in (0, 1)");
  if (t.minRadius < 0) r.problem(p + "min_radius", "must not be negative");
  if (t.maxObjs <= 0) r.problem(p + "max_objs", "must be positive");
  if (t.codeWeights.size() != 10)
    r.problem(p + "code_weights", "needs 10 values (x y z l w h sin cos vx vy)");
  if (r.has(p + "out_size_factor") && r.get<int>(p + "out_size_factor", 0) != c.head.outSizeFactor)
    r.problem(p + "out_size_factor", "differs from bbox_coder.out_size_factor");
}

void readTraining(ConfigReader& r, CenterPointConfig& c) {
  auto& a = c.augmentation;
  const std::string p = "train.augmentation.";
  auto flip =
      r.get<std::vector<double>>(p + "flip_ratio_bev", {a.flipRatioBevHorizontal, a.flipRatioBevVertical});
  if (flip.size() != 2)
    r.problem(p + "flip_ratio_bev", "expected [horizontal, vertical]");
  else {
    a.flipRatioBevHorizontal = flip[0];
    a.flipRatioBevVertical = flip[1];
  }
  a.rotRange = getArray<double, 2>(r, p + "rot_range", a.rotRange, false);
  a.scaleRatioRange = getArray<double, 2>(r, p + "scale_ratio_range", a.scaleRatioRange, false);
  a.translationStd = getArray<double, 3>(r, p + "translation_std", a.translationStd, false);
  a.minPointsInGt = r.get<int>(p + "min_points_in_gt", a.minPointsInGt);
  for (double f : flip)
    if (f < 0 || f > 1) r.problem(p + "flip_ratio_bev", "ratios must be in [0, 1]");
  if (a.scaleRatioRange[0] <= 0 || a.scaleRatioRange[1] < a.scaleRatioRange[0])
    r.problem(p + "scale_ratio_range", "must be 0 < lo <= hi");

  auto& o = c.optimizer;
  const std::string q = "train.optimizer.";
  o.lr = r.get<double>(q + "lr", o.lr);
  o.weightDecay = r.get<double>(q + "weight_decay", o.weightDecay);
  o.gradClipMaxNorm = r.get<double>(q + "grad_clip_max_norm", o.gradClipMaxNorm);
  o.warmupFraction = r.get<double>(q + "warmup_fraction", o.warmupFraction);
  o.maxLrRatio = r.get<double>(q + "max_lr_ratio", o.maxLrRatio);
  o.minLrRatio = r.get<double>(q + "min_lr_ratio", o.minLrRatio);
  o.epochs = r.get<int>("train.epochs", o.epochs);
  o.batchSize = r.get<int>("train.batch_size", o.batchSize);
  o.valInterval = r.get<int>("train.val_interval", o.valInterval);
  if (o.lr <= 0) r.problem(q + "lr", "must be positive");
  if (o.weightDecay < 0) r.problem(q + "weight_decay", "must not be negative");
  if (o.warmupFraction < 0 || o.warmupFraction > 1) r.problem(q + "warmup_fraction", "must be in [0, 1]");
  if (o.epochs <= 0) r.problem("train.epochs", "must be positive");
  if (o.batchSize <= 0) r.problem("train.batch_size", "must be positive");
  if (o.valInterval <= 0) r.problem("train.val_interval", "must be positive");
}

void readDatasetAndEvaluation(ConfigReader& r, CenterPointConfig& c) {
  c.dataset.sweepsNum = r.get<int>("dataset.sweeps_num", c.dataset.sweepsNum);
  if (c.dataset.sweepsNum < 0) r.problem("dataset.sweeps_num", "must not be negative");
  if (auto m = r.node("dataset.name_mapping")) {
    if (!m->IsMap()) {
      r.problem("dataset.name_mapping", "expected a mapping category -> class");
    } else {
      for (auto it = m->begin(); it != m->end(); ++it)
        c.dataset.nameMapping.emplace_back(it->first.as<std::string>(), it->second.as<std::string>());
    }
  }
  const double maxRange = std::max({std::abs(c.pointCloudRange[0]), std::abs(c.pointCloudRange[1]),
                                    std::abs(c.pointCloudRange[3]), std::abs(c.pointCloudRange[4])});
  auto buckets = r.get<std::vector<std::vector<double>>>("evaluation.range_buckets", {});
  if (buckets.empty()) buckets = {{0.0, maxRange}};
  for (const auto& b : buckets) {
    if (b.size() != 2 || !(b[0] >= 0) || !(b[1] > b[0])) {
      r.problem("evaluation.range_buckets", "each bucket must be [lo, hi] with 0 <= lo < hi");
      continue;
    }
    c.evaluation.rangeBuckets.emplace_back(b[0], b[1]);
  }
}

// The section as written; ptq/QuantRecipe parses its words and checks its values (one place for both).
void readQuantization(ConfigReader& r, CenterPointConfig& c) {
  auto& q = c.quantization;
  const std::string p = "quantization.";
  for (const char* removed : {"enabled", "mode"})
    if (r.has(p + removed))
      r.problem(p + removed,
                "was removed: ptq, qat and sensitivity always read this section, `export --data` calibrates "
                "with it and `export --quantized` exports a ptq / qat checkpoint; delete the key");
  q.numBatches = r.get<int>(p + "calibration.num_batches", q.numBatches);
  q.method = r.get<std::string>(p + "calibration.method", q.method);
  q.amaxMethod = r.get<std::string>(p + "calibration.amax_method", q.amaxMethod);
  q.percentile = r.get<double>(p + "calibration.percentile", q.percentile);
  q.numBins = r.get<int>(p + "calibration.num_bins", q.numBins);
  q.skipZeros = r.get<bool>(p + "calibration.skip_zeros", q.skipZeros);
  q.fuseBn = r.get<bool>(p + "fusion.fuse_bn", q.fuseBn);
  q.fuseRelu = r.get<bool>(p + "fusion.fuse_relu", q.fuseRelu);
  q.sensitiveLayers = r.get<std::vector<std::string>>(p + "sensitive_layers", q.sensitiveLayers);
  q.inputPrecision = r.get<std::string>(p + "precision.input", q.inputPrecision);
  q.outputPrecision = r.get<std::string>(p + "precision.output", q.outputPrecision);
  q.weightPrecision = r.get<std::string>(p + "precision.weights", q.weightPrecision);
  q.convTransposePerChannel = r.get<bool>(p + "conv_transpose_per_channel", q.convTransposePerChannel);
  q.learnAmax = r.get<bool>(p + "qat.learn_amax", q.learnAmax);
  q.equalization = r.get<std::string>(p + "methods.equalization", q.equalization);
  q.rangeSearch = r.get<std::string>(p + "methods.range_search", q.rangeSearch);
  q.biasCorrection = r.get<bool>(p + "methods.bias_correction", q.biasCorrection);
  q.methodFrames = r.get<int>(p + "methods.frames", q.methodFrames);
  q.methodCellsPerFrame = r.get<int>(p + "methods.cells_per_frame", q.methodCellsPerFrame);
  q.methodEmptyShare = r.get<double>(p + "methods.empty_share", q.methodEmptyShare);
}

}  // namespace

CenterPointConfig parseConfig(const std::string& yamlText, const std::string& sourceName) {
  YAML::Node root;
  try {
    root = YAML::Load(yamlText);
  } catch (const YAML::Exception& e) {
    throw fileError(sourceName, std::string("invalid YAML: ") + e.what());
  }
  if (!root.IsMap()) throw fileError(sourceName, "not a config (expected a YAML mapping)");
  ConfigReader r(root);
  CenterPointConfig c;
  c.sourcePath = sourceName;
  try {
    readGeometry(r, c);
    readVoxelLayer(r, c);
    readVoxelEncoder(r, c);
    readBackbone(r, c);
    readNeck(r, c);
    readHead(r, c);
    checkStrides(r, c);
    readPostprocess(r, c);
    readTrainTargets(r, c);
    readTraining(r, c);
    readDatasetAndEvaluation(r, c);
    readQuantization(r, c);
  } catch (const YAML::Exception& e) {
    r.problem("(structure)", std::string("unexpected value: ") + e.what());
  }
  if (!r.problems().empty()) {
    std::string msg = sourceName + ": invalid config:";
    for (const auto& p : r.problems()) msg += "\n  " + p;
    throw Error(msg);
  }
  return c;
}

CenterPointConfig loadConfig(const std::string& path) { return parseConfig(readFileToString(path), path); }

}  // namespace cpq
