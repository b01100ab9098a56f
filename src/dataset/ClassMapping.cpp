#include "dataset/ClassMapping.h"

#include <algorithm>
#include <map>
#include <set>

namespace cpq {

namespace {

using NameTable = std::unordered_map<std::string, std::string>;

// AWML's name_mapping (T4 DBv1.0 .. DBv3.0 names), then the nuScenes names of the same objects. Targets are
// AWML's intermediate names; kT4Merges folds the ones a 5-class config lacks.
const NameTable& t4Table() {
  static const NameTable table = {
      // AWML, DBv1.0
      {"vehicle.car", "car"},
      {"vehicle.construction", "truck"},
      {"vehicle.emergency (ambulance & police)", "car"},
      {"vehicle.motorcycle", "bicycle"},
      {"vehicle.trailer", "trailer"},
      {"vehicle.truck", "truck"},
      {"vehicle.bicycle", "bicycle"},
      {"vehicle.bus (bendy & rigid)", "bus"},
      {"pedestrian.adult", "pedestrian"},
      {"pedestrian.child", "pedestrian"},
      {"pedestrian.construction_worker", "pedestrian"},
      {"pedestrian.personal_mobility", "pedestrian"},
      {"pedestrian.police_officer", "pedestrian"},
      {"pedestrian.stroller", "pedestrian"},
      {"pedestrian.wheelchair", "pedestrian"},
      {"movable_object.barrier", "barrier"},
      {"movable_object.debris", "debris"},
      {"movable_object.pushable_pullable", "pushable_pullable"},
      {"movable_object.trafficcone", "traffic_cone"},
      {"movable_object.traffic_cone", "traffic_cone"},
      {"animal", "animal"},
      {"static_object.bicycle_rack", "bicycle_rack"},
      // AWML, DBv1.1 and UCv2.0
      {"car", "car"},
      {"truck", "truck"},
      {"bus", "bus"},
      {"trailer", "trailer"},
      {"motorcycle", "bicycle"},
      {"bicycle", "bicycle"},
      {"police_car", "car"},
      {"pedestrian", "pedestrian"},
      {"police_officer", "pedestrian"},
      {"forklift", "car"},
      {"construction_worker", "pedestrian"},
      {"stroller", "pedestrian"},
      // AWML, DBv2.0 and DBv3.0
      {"static_object.bicycle rack", "bicycle rack"},
      {"static_object.bollard", "bollard"},
      {"vehicle.ambulance", "car"},
      {"vehicle.bus", "bus"},
      {"vehicle.fire", "truck"},
      {"vehicle.police", "car"},
      // AWML, DBv1.3
      {"ambulance", "car"},
      {"kart", "car"},
      {"wheelchair", "pedestrian"},
      {"personal_mobility", "pedestrian"},
      {"fire_truck", "truck"},
      {"semi_trailer", "trailer"},
      {"tractor_unit", "truck"},
      {"construction_vehicle", "truck"},
      // nuScenes category names, mapped as AWML maps the same objects in T4
      {"vehicle.bus.bendy", "bus"},
      {"vehicle.bus.rigid", "bus"},
      {"vehicle.emergency.ambulance", "car"},
      {"vehicle.emergency.police", "car"},
      {"human.pedestrian.adult", "pedestrian"},
      {"human.pedestrian.child", "pedestrian"},
      {"human.pedestrian.construction_worker", "pedestrian"},
      {"human.pedestrian.personal_mobility", "pedestrian"},
      {"human.pedestrian.police_officer", "pedestrian"},
      {"human.pedestrian.stroller", "pedestrian"},
      {"human.pedestrian.wheelchair", "pedestrian"},
  };
  return table;
}

// AWML's merge_objects: trailer boxes train as truck when the config has no trailer class.
const NameTable kT4Merges = {{"trailer", "truck"}};

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string lookup(const NameTable& table, const std::string& key) {
  const auto it = table.find(key);
  return it == table.end() ? std::string() : it->second;
}

}  // namespace

// The devkit table (nuscenes/eval/detection/utils.py, category_to_detection_name).
std::string devkitDetectionName(const std::string& category) {
  static const std::map<std::string, std::string> k = {
      {"movable_object.barrier", "barrier"},
      {"vehicle.bicycle", "bicycle"},
      {"vehicle.bus.bendy", "bus"},
      {"vehicle.bus.rigid", "bus"},
      {"vehicle.car", "car"},
      {"vehicle.construction", "construction_vehicle"},
      {"vehicle.motorcycle", "motorcycle"},
      {"human.pedestrian.adult", "pedestrian"},
      {"human.pedestrian.child", "pedestrian"},
      {"human.pedestrian.construction_worker", "pedestrian"},
      {"human.pedestrian.police_officer", "pedestrian"},
      {"movable_object.trafficcone", "traffic_cone"},
      {"vehicle.trailer", "trailer"},
      {"vehicle.truck", "truck"},
  };
  auto it = k.find(category);
  return it == k.end() ? std::string() : it->second;
}

const std::vector<std::string>& devkitDetectionClasses() {
  static const std::vector<std::string> classes = {
      "car",        "truck",      "bus",     "trailer",      "construction_vehicle",
      "pedestrian", "motorcycle", "bicycle", "traffic_cone", "barrier"};
  return classes;
}

ClassMapping::ClassMapping(std::vector<std::string> classNames,
                           const std::vector<std::pair<std::string, std::string>>& explicitMapping)
    : classNames_(std::move(classNames)) {
  for (const auto& [category, name] : explicitMapping) explicit_[category] = name;
  const std::set<std::string> ours(classNames_.begin(), classNames_.end());
  const std::set<std::string> devkit(devkitDetectionClasses().begin(), devkitDetectionClasses().end());
  devkitTable_ = ours == devkit;
}

std::string ClassMapping::className(const std::string& category) const {
  std::string name;
  if (const auto it = explicit_.find(category); it != explicit_.end()) {
    name = it->second;
  } else if (devkitTable_) {
    name = devkitDetectionName(category);
  } else {
    name = lookup(t4Table(), category);
    if (!name.empty() && !contains(classNames_, name)) name = lookup(kT4Merges, name);
  }
  return contains(classNames_, name) ? name : std::string();
}

int ClassMapping::label(const std::string& className) const {
  const auto it = std::find(classNames_.begin(), classNames_.end(), className);
  return it == classNames_.end() ? -1 : static_cast<int>(it - classNames_.begin());
}

}  // namespace cpq
