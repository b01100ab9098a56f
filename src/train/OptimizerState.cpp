#include "train/OptimizerState.h"

#include "core/Error.h"
#include "core/TorchCompat.h"

namespace cpq {

StateDict adamWStateDict(torch::optim::AdamW& optimizer, CenterPoint& model) {
  StateDict sd;
  for (const auto& item : model->named_parameters()) {
    auto* state =
        dynamic_cast<torch::optim::AdamWParamState*>(compat::optimizerState(optimizer, item.value()));
    if (!state) continue;
    sd.insert(item.key() + ".exp_avg", state->exp_avg().detach().to(at::kCPU).contiguous());
    sd.insert(item.key() + ".exp_avg_sq", state->exp_avg_sq().detach().to(at::kCPU).contiguous());
    sd.insert(item.key() + ".step", at::scalar_tensor(state->step(), at::kLong));
  }
  return sd;
}

void loadAdamWState(torch::optim::AdamW& optimizer, CenterPoint& model, const StateDict& sd,
                    const std::string& source) {
  for (const auto& item : model->named_parameters()) {
    const at::Tensor& p = item.value();
    if (!p.requires_grad()) continue;
    const at::Tensor* avg = sd.find(item.key() + ".exp_avg");
    const at::Tensor* sq = sd.find(item.key() + ".exp_avg_sq");
    const at::Tensor* step = sd.find(item.key() + ".step");
    if (!avg || !sq || !step) throw fileError(source, "optimizer state of " + item.key() + " is missing");
    if (avg->sizes() != p.sizes() || sq->sizes() != p.sizes())
      throw fileError(source, "optimizer state of " + item.key() + " has shape " + shapeString(avg->sizes()) +
                                  ", the parameter " + shapeString(p.sizes()));
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(step->item<int64_t>());
    state->exp_avg(avg->to(p.device(), p.scalar_type()).clone());
    state->exp_avg_sq(sq->to(p.device(), p.scalar_type()).clone());
    compat::setOptimizerState(optimizer, p, std::move(state));
  }
}

}  // namespace cpq
