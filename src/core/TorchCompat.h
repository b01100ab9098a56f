#pragma once
// The one place where libtorch versions differ for us: Debian's 1.13 (CPU) and PyTorch 2.11's (CUDA) on the
// GPU machine. Everything else keeps to APIs present in both.
#include <torch/version.h>

#include <torch/optim/optimizer.h>

#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define CPQ_TORCH_STD_VARIANT 1
#else
#include <c10/util/variant.h>
#define CPQ_TORCH_STD_VARIANT 0
#endif

namespace cpq::compat {

// Module options such as Conv2dOptions::padding() are c10::variant in 1.13 and std::variant from 2.1 on.
template <typename T, typename Variant>
const T* variantGetIf(const Variant& v) {
#if CPQ_TORCH_STD_VARIANT
  return std::get_if<T>(&v);
#else
  return c10::get_if<T>(&v);
#endif
}

// Optimizer::state() is keyed by the parameter's TensorImpl address: printed into a std::string in 1.13
// (c10::guts::to_string, an ostringstream), the raw pointer in 2.x. Works with either key type.
template <typename StateMap>
auto optimizerStateKey(const StateMap&, const at::Tensor& param) {
  using Key = typename StateMap::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream os;
    os << param.unsafeGetTensorImpl();
    return os.str();
  } else {
    return Key(param.unsafeGetTensorImpl());
  }
}

// The optimizer's state of one parameter, or nullptr before its first step.
inline torch::optim::OptimizerParamState* optimizerState(torch::optim::Optimizer& optimizer,
                                                         const at::Tensor& param) {
  auto& state = optimizer.state();
  auto it = state.find(optimizerStateKey(state, param));
  return it == state.end() ? nullptr : it->second.get();
}

inline void setOptimizerState(torch::optim::Optimizer& optimizer, const at::Tensor& param,
                              std::unique_ptr<torch::optim::OptimizerParamState> value) {
  auto& state = optimizer.state();
  state[optimizerStateKey(state, param)] = std::move(value);
}

}  // namespace cpq::compat
