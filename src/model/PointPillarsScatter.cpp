#include "model/PointPillarsScatter.h"

namespace cpq {

at::Tensor scatterPillars(const at::Tensor& pillarFeatures, const at::Tensor& coords, int64_t batchSize,
                          int64_t ny, int64_t nx) {
  const at::Tensor feats = pillarFeatures.dim() == 3 ? pillarFeatures.squeeze(1) : pillarFeatures;
  const int64_t channels = feats.size(1);
  const auto cells = batchSize * ny * nx;
  if (feats.size(0) == 0) return at::zeros({batchSize, channels, ny, nx}, feats.options());
  const at::Tensor c = coords.to(feats.device(), at::kLong);
  const at::Tensor flat = c.select(1, 0) * (ny * nx) + c.select(1, 2) * nx + c.select(1, 3);
  // Channel-major canvas [C, B*ny*nx] filled by one index_copy (CPU and CUDA alike); for B = 1 the final
  // permute is free.
  at::Tensor canvas = at::zeros({channels, cells}, feats.options());
  canvas.index_copy_(1, flat, feats.t().contiguous());
  return canvas.view({channels, batchSize, ny, nx}).permute({1, 0, 2, 3}).contiguous();
}

}  // namespace cpq
