#pragma once
// Where the tables and point files of a dataset live (docs/dataset.md, 'Layout'):
// - nuScenes: <dataroot>/<version>/<table>.json, filenames relative to <dataroot>;
// - T4dataset: <database>/<dataset id>/<version number>/annotation/<table>.json, filenames relative to
//   <database>/<dataset id>/<version number>/; one scene per dataset id, named by the id.
#include <filesystem>
#include <string>
#include <vector>

namespace cpq {

enum class DatasetLayout { Auto, NuScenes, T4 };

// "auto", "nuscenes", "t4" (case-insensitive); throws cpq::Error on anything else.
DatasetLayout parseDatasetLayout(const std::string& name);
const char* datasetLayoutName(DatasetLayout layout);

// One set of tables and the folder its sample_data filenames are relative to.
struct TableSource {
  std::filesystem::path tableDir;
  std::filesystem::path fileRoot;
  std::string sceneName;  // T4: the dataset id, which names the scene; nuScenes: "" (scene.name is used)
};

// nuScenes when a sub-folder holds sample.json directly, T4 when sub-folders hold <n>/annotation/sample.json.
// Throws cpq::Error naming the root when neither (or both) is found.
DatasetLayout detectDatasetLayout(const std::filesystem::path& root);

// The nuScenes table folder: <root>/<version> when `version` is given, else the only sub-folder holding
// sample.json. Throws cpq::Error listing the candidates when there are none or several.
TableSource nuScenesSource(const std::filesystem::path& root, const std::string& version);

// Every dataset id under a T4 database root, sorted.
std::vector<std::string> t4DatasetIds(const std::filesystem::path& root);

// The tables of one T4 dataset. `version` picks <id>/<version>; empty takes the only version folder or, when
// there are several, the highest number (T4 re-annotations get a new, higher number, so it is the latest).
// Throws cpq::Error naming the folder when the dataset id has no tables.
TableSource t4Source(const std::filesystem::path& root, const std::string& datasetId,
                     const std::string& version);

}  // namespace cpq
