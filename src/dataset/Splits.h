#pragma once
// Which scenes a split holds. A split is a list of scene names (T4: dataset ids) from, in this order:
// an explicit splits file; the dataset's own <dataroot>/splits.yaml; for nuScenes, the devkit's official
// lists (embedded, see NuScenesOfficialSplits.h). `all` is every scene of the data.
//
// A splits file is a YAML mapping of split name -> list of scene names ({train: [...], val: [...]}); keys
// whose value is not a list (AWML's `version`, `dataset_version`) are ignored, so AWML's T4 db_*.yaml files
// work as they are, including their "<dataset id>/<version number>" entries.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace cpq {

struct SplitEntry {
  std::string scene;    // scene name or T4 dataset id
  std::string version;  // T4 version folder from an "<id>/<n>" entry; "" = the reader's choice
};

using SplitLists = std::map<std::string, std::vector<SplitEntry>>;

// Reads a splits YAML. Throws cpq::Error naming the file when it is missing or not a mapping of lists.
SplitLists readSplitsFile(const std::filesystem::path& path);

struct SplitSelection {
  bool all = false;
  std::vector<SplitEntry> scenes;  // in the list's order, duplicates removed
  std::string source;              // where the list came from, for messages (a file or the official lists)
};

// Resolves `split`. officialAllowed: the dataset is nuScenes, so the devkit's lists may be used.
// Throws cpq::Error naming the file and the split when the name is unknown.
SplitSelection selectSplit(const std::string& split, const std::string& splitsFile,
                           const std::filesystem::path& dataRoot, bool officialAllowed);

// Throws cpq::Error naming the selection's source and the first listed scene absent from `available`.
void requireScenesPresent(const SplitSelection& selection, const std::string& split,
                          const std::vector<std::string>& available);

}  // namespace cpq
