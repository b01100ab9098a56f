#pragma once
// The nuScenes / T4dataset reader that training and evaluation use: the keyframes of one split, with their
// points (keyframe + previous sweeps in the keyframe lidar frame) and their GT boxes in that frame.
//
// open() reads the tables once and keeps one SampleInfo per keyframe; points are read per call, so a
// FramePrefetcher can overlap file reading with the model.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "dataset/ClassMapping.h"
#include "dataset/DatasetLayout.h"
#include "dataset/Sample.h"
#include "preprocess/PointCloud.h"

namespace cpq {

struct DatasetOptions {
  std::string dataRoot;  // nuScenes dataroot or T4 database root
  std::string version;   // nuScenes: v1.0-*; T4: a version number folder; "" = found
  DatasetLayout layout = DatasetLayout::Auto;
  std::string split = "all";            // all, an official nuScenes split, or a name in the splits file
  std::string splitsFile;               // "" = <dataRoot>/splits.yaml when present
  int sweepsNum = 1;                    // previous sweeps attached to each keyframe
  std::vector<std::string> classNames;  // the config's classes
  std::vector<std::pair<std::string, std::string>> nameMapping;  // (category, class), overrides the tables
  std::string lidarChannel;  // "" = LIDAR_CONCAT when the data has it (T4), else LIDAR_TOP
};

class DetectionDataset {
 public:
  // Throws cpq::Error naming the file and the token on bad input (docs/dataset.md).
  static DetectionDataset open(const DatasetOptions& options);

  size_t size() const { return samples_.size(); }
  const SampleInfo& sample(size_t i) const { return samples_.at(i); }
  const std::vector<SampleInfo>& samples() const { return samples_; }
  const std::vector<std::string>& classNames() const { return mapping_.classNames(); }
  const ClassMapping& classMapping() const { return mapping_; }
  DatasetLayout layout() const { return layout_; }
  // The split's scenes (T4: dataset ids) in the order their samples come.
  const std::vector<std::string>& sceneNames() const { return sceneNames_; }

  // Keyframe points then sweep points, [N, 5] float32: x, y, z, intensity, time lag (docs/dataset.md,
  // 'Sweeps').
  PointCloud loadPoints(size_t i) const;
  // The sample's boxes of a config class, in the keyframe lidar frame, in annotation order.
  std::vector<LidarBox> lidarBoxes(size_t i) const;

 private:
  DatasetLayout layout_ = DatasetLayout::Auto;
  ClassMapping mapping_;
  std::vector<SampleInfo> samples_;
  std::vector<std::string> sceneNames_;
};

}  // namespace cpq
