#include "train/GaussianFocalLoss.h"

#include <limits>

namespace cpq {

at::Tensor clipSigmoid(const at::Tensor& logits, double eps) {
  return at::clamp(at::sigmoid(logits), eps, 1.0 - eps);
}

at::Tensor gaussianFocalLoss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& avgFactor,
                             double alpha, double gamma) {
  constexpr double kLogEps = 1e-12;  // mmdet's eps inside both logs
  const at::Tensor positive = target.eq(1).to(pred.scalar_type());
  const at::Tensor negativeWeight = at::pow(1 - target, gamma);
  const at::Tensor posLoss = -at::log(pred + kLogEps) * at::pow(1 - pred, alpha) * positive;
  const at::Tensor negLoss = -at::log(1 - pred + kLogEps) * at::pow(pred, alpha) * negativeWeight;
  return (posLoss + negLoss).sum() / (avgFactor + std::numeric_limits<float>::epsilon());
}

at::Tensor heatmapAvgFactor(const at::Tensor& target) {
  return at::clamp_min(target.eq(1).sum().to(at::kFloat), 1.0);
}

}  // namespace cpq
