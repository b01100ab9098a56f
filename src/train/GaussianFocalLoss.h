#pragma once
// mmdet's GaussianFocalLoss (CornerNet's variant of the focal loss for Gaussian heatmap targets) as
// CenterHead calls it, and mmdet3d's clip_sigmoid that feeds it.
#include <ATen/ATen.h>

namespace cpq {

// sigmoid(logits) clamped to [eps, 1 - eps] (mmdet3d clip_sigmoid, eps 1e-4): keeps log(p) finite and, as
// in mmdet3d, gives no gradient to cells already beyond the clamp.
at::Tensor clipSigmoid(const at::Tensor& logits, double eps = 1e-4);

// Per element: -log(p + 1e-12) (1 - p)^alpha            where target == 1 (positives),
//              -log(1 - p + 1e-12) p^alpha (1 - target)^gamma  elsewhere;
// summed and divided by (avgFactor + FLT_EPSILON), which is mmdet 3.x's weight_reduce_loss with
// reduction "mean" and an avg_factor. `pred` are probabilities (clipSigmoid's output). avgFactor is a
// scalar tensor so that a CUDA loss needs no host sync.
at::Tensor gaussianFocalLoss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& avgFactor,
                             double alpha = 2.0, double gamma = 4.0);

// CenterHead's avg_factor for the heatmap loss: max(number of cells equal to 1, 1), as a scalar tensor.
at::Tensor heatmapAvgFactor(const at::Tensor& target);

}  // namespace cpq
