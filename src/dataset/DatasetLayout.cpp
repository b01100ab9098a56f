#include "dataset/DatasetLayout.h"

#include <algorithm>
#include <cctype>

#include "core/Error.h"

namespace fs = std::filesystem;

namespace cpq {

namespace {

bool isFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::vector<fs::path> subfolders(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool isNumber(const std::string& s) {
  return !s.empty() && s.size() < 10 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Version folders <n> of a T4 dataset that hold annotation/sample.json, in increasing number.
std::vector<std::string> t4Versions(const fs::path& datasetDir) {
  std::vector<std::string> versions;
  for (const fs::path& sub : subfolders(datasetDir)) {
    const std::string name = sub.filename().string();
    if (isNumber(name) && isFile(sub / "annotation" / "sample.json")) versions.push_back(name);
  }
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return std::stol(a) < std::stol(b); });
  return versions;
}

bool isT4Dataset(const fs::path& dir) { return !t4Versions(dir).empty(); }

std::vector<std::string> nuScenesVersions(const fs::path& root) {
  std::vector<std::string> versions;
  for (const fs::path& sub : subfolders(root)) {
    if (isFile(sub / "sample.json")) versions.push_back(sub.filename().string());
  }
  return versions;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

}  // namespace

DatasetLayout parseDatasetLayout(const std::string& name) {
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "auto" || lower.empty()) return DatasetLayout::Auto;
  if (lower == "nuscenes") return DatasetLayout::NuScenes;
  if (lower == "t4" || lower == "t4dataset") return DatasetLayout::T4;
  throw Error("unknown dataset layout '" + name + "' (expected auto, nuscenes or t4)");
}

const char* datasetLayoutName(DatasetLayout layout) {
  switch (layout) {
    case DatasetLayout::NuScenes:
      return "nuscenes";
    case DatasetLayout::T4:
      return "t4";
    default:
      return "auto";
  }
}

DatasetLayout detectDatasetLayout(const fs::path& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw fileError(root.string(), "dataset root is not a folder");
  const bool nuScenes = !nuScenesVersions(root).empty();
  const auto subs = subfolders(root);
  const bool t4 = std::any_of(subs.begin(), subs.end(), isT4Dataset);
  if (nuScenes && t4) {
    throw fileError(root.string(), "holds both nuScenes version folders and T4 datasets; set the layout");
  }
  if (nuScenes) return DatasetLayout::NuScenes;
  if (t4) return DatasetLayout::T4;
  throw fileError(root.string(),
                  "neither a nuScenes dataroot (<version>/sample.json) nor a T4 database "
                  "(<dataset id>/<n>/annotation/sample.json)");
}

TableSource nuScenesSource(const fs::path& root, const std::string& version) {
  const std::vector<std::string> versions = nuScenesVersions(root);
  std::string chosen = version;
  if (chosen.empty()) {
    if (versions.size() != 1) {
      throw fileError(root.string(), "cannot pick the nuScenes version folder: candidates " +
                                         joined(versions) + "; name one with the version option");
    }
    chosen = versions.front();
  } else if (!isFile(root / chosen / "sample.json")) {
    throw fileError((root / chosen).string(),
                    "no nuScenes tables here (candidates: " + joined(versions) + ")");
  }
  return TableSource{root / chosen, root, ""};
}

std::vector<std::string> t4DatasetIds(const fs::path& root) {
  std::vector<std::string> ids;
  for (const fs::path& sub : subfolders(root)) {
    if (isT4Dataset(sub)) ids.push_back(sub.filename().string());
  }
  return ids;
}

TableSource t4Source(const fs::path& root, const std::string& datasetId, const std::string& version) {
  const fs::path datasetDir = root / datasetId;
  const std::vector<std::string> versions = t4Versions(datasetDir);
  std::string chosen = version;
  if (chosen.empty()) {
    if (versions.empty()) throw fileError(datasetDir.string(), "no T4 tables (<n>/annotation/sample.json)");
    chosen = versions.back();  // the highest version number is the latest annotation
  } else if (std::find(versions.begin(), versions.end(), chosen) == versions.end()) {
    throw fileError((datasetDir / chosen).string(), "no T4 tables here (versions: " + joined(versions) + ")");
  }
  const fs::path versionDir = datasetDir / chosen;
  return TableSource{versionDir / "annotation", versionDir, datasetId};
}

}  // namespace cpq
