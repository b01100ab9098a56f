#pragma once
// An insertion-ordered map from parameter name to tensor, the in-memory form of every checkpoint we read or
// write. Order matters: it is the order Python's state_dict() lists (and that files are written in).
#include <ATen/ATen.h>

#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cpq {

class StateDict {
 public:
  // Adds name at the end, or replaces the tensor in place (keeping its position) when name exists.
  void insert(const std::string& name, at::Tensor tensor);
  // nullptr when name is absent.
  const at::Tensor* find(const std::string& name) const;
  const std::vector<std::pair<std::string, at::Tensor>>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const;

 private:
  std::vector<std::pair<std::string, at::Tensor>> items_;
  std::unordered_map<std::string, size_t> index_;
};

// "[16,10]" (and "[]" for a scalar): how shapes appear in our messages.
std::string shapeString(at::IntArrayRef sizes);

}  // namespace cpq
