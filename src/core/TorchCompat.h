#pragma once
// The one place where libtorch versions differ for us: Debian's 1.13 (CPU) and PyTorch 2.11's (CUDA) on the
// GPU machine. Everything else keeps to APIs present in both.
#include <torch/version.h>

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

}  // namespace cpq::compat
