#include "dataset/Splits.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <sstream>
#include <unordered_set>

#include "core/Error.h"
#include "dataset/NuScenesOfficialSplits.h"

namespace fs = std::filesystem;

namespace cpq {

namespace {

// "<id>/<n>" or "<id> <n>" -> (id, n); anything else is a plain scene name.
SplitEntry parseEntry(const std::string& text) {
  std::istringstream words(text);
  std::string first, second;
  words >> first >> second;
  const size_t slash = first.find('/');
  if (slash != std::string::npos) return SplitEntry{first.substr(0, slash), first.substr(slash + 1)};
  return SplitEntry{first, second};
}

std::string listNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

template <class Map>
std::vector<std::string> keys(const Map& map) {
  std::vector<std::string> out;
  for (const auto& kv : map) out.push_back(kv.first);
  return out;
}

std::vector<SplitEntry> withoutDuplicates(const std::vector<SplitEntry>& entries) {
  std::vector<SplitEntry> out;
  std::unordered_set<std::string> seen;
  for (const SplitEntry& e : entries) {
    if (seen.insert(e.scene).second) out.push_back(e);
  }
  return out;
}

SplitSelection fromFile(const fs::path& file, const std::string& split) {
  const SplitLists lists = readSplitsFile(file);
  const auto it = lists.find(split);
  if (it == lists.end()) {
    throw fileError(file.string(), "no split '" + split + "' (splits: " + listNames(keys(lists)) + ")");
  }
  return SplitSelection{false, withoutDuplicates(it->second), file.string()};
}

SplitSelection official(const std::string& split) {
  SplitSelection selection;
  selection.source = "the nuScenes devkit's official splits";
  std::istringstream names(nuScenesOfficialSplitScenes(split));
  for (std::string name; names >> name;) selection.scenes.push_back(SplitEntry{name, ""});
  return selection;
}

}  // namespace

SplitLists readSplitsFile(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw fileError(path.string(), "splits file not found");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    throw fileError(path.string(), std::string("invalid YAML: ") + e.what());
  }
  if (!root.IsMap()) throw fileError(path.string(), "expected a mapping of split name -> scene list");
  SplitLists lists;
  for (const auto& kv : root) {
    if (!kv.second.IsSequence()) continue;  // AWML's version / dataset_version
    std::vector<SplitEntry>& entries = lists[kv.first.as<std::string>()];
    for (const YAML::Node& item : kv.second) {
      if (!item.IsScalar()) {
        throw fileError(path.string(), "split '" + kv.first.as<std::string>() + "' holds a non-scalar entry");
      }
      entries.push_back(parseEntry(item.as<std::string>()));
    }
  }
  return lists;
}

SplitSelection selectSplit(const std::string& split, const std::string& splitsFile, const fs::path& dataRoot,
                           bool officialAllowed) {
  if (split == "all") return SplitSelection{true, {}, "all"};
  if (!splitsFile.empty()) return fromFile(splitsFile, split);
  const fs::path ownFile = dataRoot / "splits.yaml";
  std::error_code ec;
  if (fs::is_regular_file(ownFile, ec)) return fromFile(ownFile, split);
  if (officialAllowed && nuScenesOfficialSplitScenes(split) != nullptr) return official(split);
  std::string known = "all";
  if (officialAllowed) known += ", " + listNames(nuScenesOfficialSplitNames());
  throw fileError(ownFile.string(), "unknown split '" + split + "': no such file, and the split is none of " +
                                        known + " (or give a splits file)");
}

void requireScenesPresent(const SplitSelection& selection, const std::string& split,
                          const std::vector<std::string>& available) {
  const std::unordered_set<std::string> present(available.begin(), available.end());
  for (const SplitEntry& entry : selection.scenes) {
    if (present.count(entry.scene) == 0) {
      throw Error(selection.source + ": scene " + entry.scene + " of split '" + split +
                  "' is not in the data");
    }
  }
}

}  // namespace cpq
