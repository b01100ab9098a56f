#include "train/DistillationLoss.h"

#include "core/Error.h"
#include "train/BoxRegressionLoss.h"

namespace cpq {

namespace {

// [1, C, 1, 1] code weights when they match the channel count (ones otherwise: a config without velocity).
at::Tensor channelWeights(const std::vector<float>& codeWeights, int64_t channels, const at::Device& device) {
  if (static_cast<int64_t>(codeWeights.size()) != channels) return at::ones({1, channels, 1, 1}, device);
  return at::tensor(codeWeights, at::TensorOptions().dtype(at::kFloat)).to(device).view({1, channels, 1, 1});
}

}  // namespace

LossTerms distillationLoss(const CenterPointConfig& cfg, const HeadOutputs& student,
                           const HeadOutputs& teacher) {
  if (student.size() != teacher.size())
    throw Error("distillation: the student has " + std::to_string(student.size()) + " tasks, the teacher " +
                std::to_string(teacher.size()));
  LossTerms out;
  for (size_t task = 0; task < student.size(); ++task) {
    const at::Tensor pS = student[task].heatmap.to(at::kFloat).sigmoid();
    const at::Tensor pT = teacher[task].heatmap.detach().to(at::kFloat).sigmoid();
    if (pS.sizes() != pT.sizes()) throw Error("distillation: student and teacher heatmaps differ in shape");
    const at::Tensor confidence = std::get<0>(pT.max(1, /*keepdim=*/true));  // [B, 1, H, W]
    // The decoder keeps no box whose score is at or below test_cfg's score_threshold: there the box channels
    // are never read, and the float network's values are noise that quantization changes freely (on the
    // demo model they carried 70% of an unthresholded weight and pulled QAT away from the objects).
    const at::Tensor w = confidence * (confidence > cfg.head.scoreThreshold).to(at::kFloat);
    const at::Tensor norm = w.sum().clamp_min(1.0);
    const at::Tensor heatmapLoss = (pS - pT).pow(2).sum() / norm;
    const at::Tensor bS = boxChannels(student[task]).to(at::kFloat);
    const at::Tensor bT = boxChannels(teacher[task]).detach().to(at::kFloat);
    const at::Tensor cw = channelWeights(cfg.trainTargets.codeWeights, bS.size(1), bS.device());
    const at::Tensor boxLoss = cfg.trainTargets.lossBboxWeight * ((bS - bT).abs() * cw * w).sum() / norm;
    out.add(task, "distill_heatmap", heatmapLoss);
    out.add(task, "distill_bbox", boxLoss);
  }
  return out;
}

}  // namespace cpq
