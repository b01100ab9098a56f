#pragma once
// Small state dicts of every dtype the checkpoint writers handle, for the checkpoint harnesses' seeds.
#include <ATen/ATen.h>

#include "checkpoint/StateDict.h"

namespace cpq::fuzz {

inline StateDict seedStateDict(int which) {
  StateDict sd;
  if (which == 0) {
    sd.insert("conv.weight", at::arange(6, at::kFloat).reshape({2, 3}));
    sd.insert("bn.num_batches_tracked", at::tensor(int64_t{7}));
    sd.insert("mask", at::tensor({1, 0, 1}, at::kByte).to(at::kBool));
  } else if (which == 1) {
    sd.insert("h", at::arange(4, at::kHalf));
    sd.insert("b", at::arange(3, at::kBFloat16));
    sd.insert("d", at::ones({1, 2}, at::kDouble));
  } else {
    sd.insert("i8", at::arange(-2, 2, at::kChar));
    sd.insert("u8", at::arange(4, at::kByte));
    sd.insert("i16", at::arange(2, at::kShort));
    sd.insert("i32", at::arange(2, at::kInt));
    sd.insert("empty", at::empty({0, 3}, at::kFloat));
  }
  return sd;
}

}  // namespace cpq::fuzz
