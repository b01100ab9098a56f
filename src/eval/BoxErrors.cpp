#include "eval/BoxErrors.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "eval/NumpyCompat.h"

namespace cpq {

double centerDistance(const EvalBox& gt, const EvalBox& pred) {
  const double dx = pred.translation[0] - gt.translation[0];
  const double dy = pred.translation[1] - gt.translation[1];
  return std::sqrt(dx * dx + dy * dy);
}

double velocityL2(const EvalBox& gt, const EvalBox& pred) {
  const double dx = pred.velocity[0] - gt.velocity[0];
  const double dy = pred.velocity[1] - gt.velocity[1];
  return std::sqrt(dx * dx + dy * dy);
}

double scaleIou(const EvalBox& gt, const EvalBox& pred) {
  const auto& a = gt.size;
  const auto& b = pred.size;
  const double inter = std::min(a[0], b[0]) * std::min(a[1], b[1]) * std::min(a[2], b[2]);
  const double va = a[0] * a[1] * a[2];
  const double vb = b[0] * b[1] * b[2];
  return inter / (va + vb - inter);
}

double angleDiff(double x, double y, double period) {
  double d = npc::pyMod(x - y + period / 2, period) - period / 2;
  if (d > M_PI) d = d - 2 * M_PI;
  return d;
}

double yawDiff(const EvalBox& gt, const EvalBox& pred, double period) {
  return std::abs(angleDiff(quaternionYaw(gt.rotation), quaternionYaw(pred.rotation), period));
}

double attrError(const EvalBox& gt, const EvalBox& pred) {
  if (gt.attributeName.empty()) return std::numeric_limits<double>::quiet_NaN();
  return 1.0 - (gt.attributeName == pred.attributeName ? 1.0 : 0.0);
}

}  // namespace cpq
