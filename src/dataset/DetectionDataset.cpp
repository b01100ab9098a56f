#include "dataset/DetectionDataset.h"

#include <spdlog/spdlog.h>

#include <unordered_map>

#include "core/Error.h"
#include "dataset/BoxTransforms.h"
#include "dataset/NuScenesTables.h"
#include "dataset/SampleBuilder.h"
#include "dataset/Splits.h"
#include "dataset/SweepLoader.h"

namespace fs = std::filesystem;

namespace cpq {

namespace {

struct Loaded {
  std::vector<SampleInfo> samples;
  std::vector<std::string> sceneNames;
};

void append(std::vector<SampleInfo>& out, std::vector<SampleInfo>&& more) {
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

Loaded openNuScenes(const DatasetOptions& options, const ClassMapping& mapping) {
  const TableSource source = nuScenesSource(options.dataRoot, options.version);
  const NuScenesTables tables = NuScenesTables::load(source.tableDir, TableLoadOptions{options.lidarChannel});
  std::vector<std::string> names;
  std::unordered_map<std::string, uint32_t> rowOf;
  for (uint32_t i = 0; i < tables.scene.rows.size(); ++i) {
    names.push_back(tables.scene.rows[i].name);
    rowOf.emplace(names.back(), i);  // the first scene of a name
  }
  const SplitSelection selection = selectSplit(options.split, options.splitsFile, options.dataRoot, true);
  std::vector<uint32_t> scenes;
  Loaded out;
  if (selection.all) {
    for (uint32_t i = 0; i < names.size(); ++i) scenes.push_back(i);
    out.sceneNames = names;
  } else {
    requireScenesPresent(selection, options.split, names);
    for (const SplitEntry& entry : selection.scenes) {
      scenes.push_back(rowOf.at(entry.scene));
      out.sceneNames.push_back(entry.scene);
    }
  }
  out.samples = buildSamples(tables, scenes, source, static_cast<size_t>(options.sweepsNum), mapping);
  return out;
}

// T4: one table set per dataset id, loaded one at a time and released once its samples are built.
Loaded openT4(const DatasetOptions& options, const ClassMapping& mapping) {
  const std::vector<std::string> ids = t4DatasetIds(options.dataRoot);
  if (ids.empty())
    throw fileError(options.dataRoot, "no T4 datasets (<dataset id>/<n>/annotation/sample.json)");
  const SplitSelection selection = selectSplit(options.split, options.splitsFile, options.dataRoot, false);
  std::vector<SplitEntry> entries;
  if (selection.all) {
    for (const std::string& id : ids) entries.push_back(SplitEntry{id, ""});
  } else {
    requireScenesPresent(selection, options.split, ids);
    entries = selection.scenes;
  }
  Loaded out;
  for (const SplitEntry& entry : entries) {
    const std::string version = entry.version.empty() ? options.version : entry.version;
    const TableSource source = t4Source(options.dataRoot, entry.scene, version);
    const NuScenesTables tables =
        NuScenesTables::load(source.tableDir, TableLoadOptions{options.lidarChannel});
    std::vector<uint32_t> scenes(tables.scene.rows.size());
    for (uint32_t i = 0; i < scenes.size(); ++i) scenes[i] = i;
    append(out.samples,
           buildSamples(tables, scenes, source, static_cast<size_t>(options.sweepsNum), mapping));
    out.sceneNames.push_back(entry.scene);
  }
  return out;
}

}  // namespace

DetectionDataset DetectionDataset::open(const DatasetOptions& options) {
  if (options.sweepsNum < 0) throw Error("sweepsNum must be >= 0, got " + std::to_string(options.sweepsNum));
  DetectionDataset ds;
  ds.layout_ = options.layout == DatasetLayout::Auto ? detectDatasetLayout(options.dataRoot) : options.layout;
  ds.mapping_ = ClassMapping(options.classNames, options.nameMapping);
  Loaded loaded = ds.layout_ == DatasetLayout::NuScenes ? openNuScenes(options, ds.mapping_)
                                                        : openT4(options, ds.mapping_);
  ds.samples_ = std::move(loaded.samples);
  ds.sceneNames_ = std::move(loaded.sceneNames);
  spdlog::info("{}: {} layout, split '{}': {} scenes, {} keyframes", options.dataRoot,
               datasetLayoutName(ds.layout_), options.split, ds.sceneNames_.size(), ds.samples_.size());
  return ds;
}

PointCloud DetectionDataset::loadPoints(size_t i) const { return loadSweptPoints(sample(i)); }

std::vector<LidarBox> DetectionDataset::lidarBoxes(size_t i) const {
  const SampleInfo& info = sample(i);
  std::vector<LidarBox> boxes;
  for (const GtBox& gt : info.boxes) {
    if (gt.className.empty()) continue;
    LidarBox box = globalToLidar(gt, info.lidarToEgo, info.egoToGlobal);
    box.label = mapping_.label(gt.className);
    box.numPts = gt.numLidarPts + gt.numRadarPts;
    boxes.push_back(box);
  }
  return boxes;
}

}  // namespace cpq
