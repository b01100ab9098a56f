#pragma once
// The nuScenes devkit's official scene splits (mini_train, mini_val, train, val, test), embedded in the
// library by scripts/gen_nuscenes_splits.py.
#include <string>
#include <vector>

namespace cpq {

// Space-separated scene names of an official split, or nullptr when `name` is not one.
const char* nuScenesOfficialSplitScenes(const std::string& name);

// mini_train, mini_val, train, val, test.
std::vector<std::string> nuScenesOfficialSplitNames();

}  // namespace cpq
