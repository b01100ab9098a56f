#include "train/BoxRegressionLoss.h"

#include <limits>

#include "core/Error.h"

namespace cpq {

at::Tensor gatherBoxPredictions(const TaskOutputs& task, const at::Tensor& ind) {
  const at::Tensor maps = boxChannels(task);  // [B, 10, H, W]
  const int64_t batch = maps.size(0), channels = maps.size(1);
  const at::Tensor flat = maps.flatten(2);  // [B, 10, H*W]
  const at::Tensor index =
      ind.to(maps.device(), at::kLong).unsqueeze(1).expand({batch, channels, ind.size(1)});
  return flat.gather(2, index).permute({0, 2, 1});  // [B, M, 10]
}

at::Tensor boxRegressionLoss(const at::Tensor& pred, const at::Tensor& target, const at::Tensor& mask,
                             const std::vector<float>& codeWeights, double lossWeight) {
  if (static_cast<int64_t>(codeWeights.size()) != target.size(-1)) {
    throw Error("loss: code_weights has " + std::to_string(codeWeights.size()) +
                " entries, the box targets " + std::to_string(target.size(-1)) + " columns");
  }
  const at::Tensor m = mask.to(pred.scalar_type());
  const at::Tensor num = m.sum();  // a tensor, as in mmdet3d: no host sync on CUDA
  const at::Tensor code = at::tensor(at::ArrayRef<float>(codeWeights.data(), codeWeights.size()))
                              .to(pred.device(), pred.scalar_type());
  const at::Tensor weight = m.unsqueeze(2) * at::isnan(target).logical_not().to(pred.scalar_type()) * code;
  const at::Tensor l1 = at::abs(pred - target) * weight;
  return lossWeight * l1.sum() / (num + 1e-4 + std::numeric_limits<float>::epsilon());
}

}  // namespace cpq
