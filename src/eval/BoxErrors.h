#pragma once
// The devkit's per-match distance and error functions (eval/common/utils.py), argument order kept
// (gt, pred) because the subtraction order is what the devkit computes.
#include "eval/EvalBox.h"

namespace cpq {

double centerDistance(const EvalBox& gt, const EvalBox& pred);  // BEV xy distance
double velocityL2(const EvalBox& gt, const EvalBox& pred);      // NaN when a velocity is NaN
double scaleIou(const EvalBox& gt, const EvalBox& pred);        // sizes aligned, centres/rotation ignored
// |angle_diff(yaw_gt, yaw_pred, period)|; period pi for barrier (symmetric), else 2 pi.
double yawDiff(const EvalBox& gt, const EvalBox& pred, double period);
// 1 - (attributes equal); NaN when the GT has no attribute.
double attrError(const EvalBox& gt, const EvalBox& pred);
// ((x - y + p/2) floor-mod p) - p/2, minus 2 pi when above pi.
double angleDiff(double x, double y, double period);

}  // namespace cpq
