#pragma once
// Bridges torch::nn::Module and StateDict with Python's naming and ordering rules.
#include <torch/nn/module.h>

#include <string>

#include "checkpoint/StateDict.h"

namespace cpq {

// Parameters and buffers of m and all its descendants, named "child.grandchild.param", in Python's
// state_dict() order: for each module its parameters, then its buffers, then its children (recursively).
// Undefined tensors (e.g. a Conv2d registered without bias) are left out, as Python leaves out None.
// The tensors alias the module's own (no copy).
StateDict stateDictOf(const torch::nn::Module& m);

// Copies every tensor of sd into m (under NoGradGuard, converted to the destination's dtype). Checks
// everything first and throws one cpq::Error, naming source, that lists every missing key, every
// unexpected key and every shape mismatch; m is left untouched in that case.
void loadStateDict(torch::nn::Module& m, const StateDict& sd, const std::string& source);

}  // namespace cpq
