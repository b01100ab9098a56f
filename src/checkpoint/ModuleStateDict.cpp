#include "checkpoint/ModuleStateDict.h"

#include <ATen/core/grad_mode.h>

#include "core/Error.h"

namespace cpq {

namespace {

// libtorch's named_parameters(recurse=true) lists all parameters of the tree before any buffer, unlike
// Python; walking the tree ourselves gives Python's per-module (params, buffers, children) order.
void collect(const torch::nn::Module& m, const std::string& prefix, StateDict& out) {
  for (const auto& p : m.named_parameters(/*recurse=*/false)) {
    if (p.value().defined()) out.insert(prefix + p.key(), p.value());
  }
  for (const auto& b : m.named_buffers(/*recurse=*/false)) {
    if (b.value().defined()) out.insert(prefix + b.key(), b.value());
  }
  for (const auto& child : m.named_children()) {
    collect(*child.value(), prefix + child.key() + ".", out);
  }
}

}  // namespace

StateDict stateDictOf(const torch::nn::Module& m) {
  StateDict out;
  collect(m, "", out);
  return out;
}

void loadStateDict(torch::nn::Module& m, const StateDict& sd, const std::string& source) {
  const StateDict dest = stateDictOf(m);
  std::string missing, unexpected, mismatched;
  for (const auto& [name, target] : dest.items()) {
    const at::Tensor* src = sd.find(name);
    if (!src || !src->defined()) {
      missing += "\n  missing: " + name;
    } else if (src->sizes() != target.sizes()) {
      mismatched += "\n  shape mismatch: " + name + " checkpoint " + shapeString(src->sizes()) +
                    " vs model " + shapeString(target.sizes());
    }
  }
  for (const auto& item : sd.items()) {
    if (!dest.find(item.first)) unexpected += "\n  unexpected: " + item.first;
  }
  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    throw fileError(source, "checkpoint does not fit the model:" + missing + unexpected + mismatched);
  }
  at::NoGradGuard noGrad;
  for (const auto& [name, target] : dest.items()) {
    // copy_ converts dtype and device; the destination tensor keeps its own.
    at::Tensor t = target;
    t.copy_(*sd.find(name));
  }
}

}  // namespace cpq
