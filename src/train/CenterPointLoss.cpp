#include "train/CenterPointLoss.h"

#include "core/Error.h"
#include "train/BoxRegressionLoss.h"
#include "train/GaussianFocalLoss.h"

namespace cpq {

const at::Tensor& LossTerms::term(const std::string& name) const {
  for (const auto& [key, value] : terms) {
    if (key == name) return value;
  }
  throw Error("loss: no term named '" + name + "'");
}

void LossTerms::add(size_t task, const std::string& name, const at::Tensor& value) {
  terms.emplace_back("task" + std::to_string(task) + "." + name, value);
  total = total.defined() ? total + value : value;
}

LossTerms computeLosses(const CenterPointConfig& cfg, const HeadOutputs& head, const Targets& targets) {
  if (head.size() != targets.size()) {
    throw Error("loss: the head has " + std::to_string(head.size()) + " tasks, the targets " +
                std::to_string(targets.size()));
  }
  const TrainTargetConfig& t = cfg.trainTargets;
  LossTerms out;
  for (std::size_t task = 0; task < head.size(); ++task) {
    const TaskOutputs& pred = head[task];
    const TaskTargets& target = targets[task];
    // In float32 whatever the head's dtype, as mmdet3d's @force_fp32 on the loss.
    const at::Device device = pred.heatmap.device();
    const at::Tensor heatmapTarget = target.heatmap.to(device, at::kFloat);
    const at::Tensor heatmapLoss =
        t.lossClsWeight * gaussianFocalLoss(clipSigmoid(pred.heatmap.to(at::kFloat)), heatmapTarget,
                                            heatmapAvgFactor(heatmapTarget));
    const at::Tensor boxes = gatherBoxPredictions(pred, target.ind).to(at::kFloat);
    const at::Tensor boxLoss = boxRegressionLoss(boxes, target.annoBox.to(device, at::kFloat),
                                                 target.mask.to(device), t.codeWeights, t.lossBboxWeight);
    out.add(task, "loss_heatmap", heatmapLoss);
    out.add(task, "loss_bbox", boxLoss);
  }
  return out;
}

}  // namespace cpq
