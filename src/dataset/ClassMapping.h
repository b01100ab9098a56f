#pragma once
// category.name -> the config's class name. Two built-in tables:
// - the nuScenes devkit's category_to_detection_name (docs/evaluation.md, 'Configuration'), used for configs
//   whose classes are exactly the devkit's 10 detection classes, and always by the nuScenes metric;
// - AWML's T4dataset name_mapping (autoware_ml/configs/detection3d/dataset/t4dataset/base.py) with its
//   trailer -> truck merge, plus the nuScenes category names it implies, for the other configs (AWML's
//   car, truck, bus, bicycle, pedestrian).
// An explicit mapping from the config wins over both, category by category.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cpq {

// The devkit's detection name of a nuScenes category, "" when the category is not evaluated.
std::string devkitDetectionName(const std::string& category);

// The devkit's 10 detection classes in its class_range order.
const std::vector<std::string>& devkitDetectionClasses();

class ClassMapping {
 public:
  ClassMapping() = default;
  // `explicitMapping`: (category, class) pairs from the config; targets outside classNames are dropped.
  ClassMapping(std::vector<std::string> classNames,
               const std::vector<std::pair<std::string, std::string>>& explicitMapping = {});

  // The class of a category, "" when it maps to no class of the config.
  std::string className(const std::string& category) const;
  // Index of a class in classNames, -1 when absent.
  int label(const std::string& className) const;

  const std::vector<std::string>& classNames() const { return classNames_; }
  bool usesDevkitTable() const { return devkitTable_; }

 private:
  std::vector<std::string> classNames_;
  std::unordered_map<std::string, std::string> explicit_;
  bool devkitTable_ = false;
};

}  // namespace cpq
