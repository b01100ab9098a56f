// The folder layering of src/: docs/architecture.md holds one table of allowed include edges (the single
// source of truth); these tests parse it, check that it is acyclic and in data-flow order, and check every
// `#include "<folder>/..."` line of src/ against it. Only the standard library and gtest are used, so the
// check builds and runs even while the library itself does not compile.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef CPQ_SOURCE_DIR
#error "CPQ_SOURCE_DIR must be defined as the repository root (a string literal)"
#endif

namespace {

namespace fs = std::filesystem;

// One row of the table: a folder of src/ and the folders it may include besides itself.
struct Layer {
  std::string folder;
  std::vector<std::string> mayInclude;
};

// The rows in table order (the data-flow order); `error` is set, and `layers` meaningless, when the
// table is missing or malformed.
struct LayerTable {
  std::vector<Layer> layers;
  std::string error;

  const Layer* find(const std::string& folder) const {
    for (const Layer& layer : layers) {
      if (layer.folder == folder) return &layer;
    }
    return nullptr;
  }
};

const char* const kTableHeader = "| folder | may include | holds |";

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// A folder name as it appears in the table and in include paths: lower case, digits, underscores.
bool isFolderName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The cells of a markdown table row "| a | b | c |", trimmed.
std::vector<std::string> splitRow(const std::string& line) {
  std::string body = trim(line);
  if (!body.empty() && body.front() == '|') body.erase(0, 1);
  if (!body.empty() && body.back() == '|') body.pop_back();
  std::vector<std::string> cells;
  std::stringstream stream(body);
  std::string cell;
  while (std::getline(stream, cell, '|')) cells.push_back(trim(cell));
  return cells;
}

std::string joinOrDash(const std::vector<std::string>& names) {
  if (names.empty()) return "-";
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

// Parses the layering table out of the text of docs/architecture.md: the rows between the header line
// and the first line that is not a table line; "-" in "may include" means no other folder.
LayerTable parseLayerTable(const std::string& markdown) {
  LayerTable table;
  std::stringstream stream(markdown);
  std::string line;
  bool headerFound = false;
  while (std::getline(stream, line)) {
    if (trim(line) == kTableHeader) {
      headerFound = true;
      break;
    }
  }
  if (!headerFound) {
    table.error = std::string("no line '") + kTableHeader + "' (the layering table is missing)";
    return table;
  }
  // The separator row "|---|---|---|" comes right after the header.
  if (!std::getline(stream, line) || splitRow(line).size() != 3 ||
      trim(line).find_first_not_of("|-: ") != std::string::npos) {
    table.error = "the layering table header is not followed by a '|---|---|---|' separator row";
    return table;
  }
  int rowNumber = 0;
  while (std::getline(stream, line)) {
    const std::string row = trim(line);
    if (row.empty() || row.front() != '|') break;  // the first non-table line ends the table
    ++rowNumber;
    const std::vector<std::string> cells = splitRow(row);
    const std::string where = "layering table row " + std::to_string(rowNumber) + " '" + row + "': ";
    if (cells.size() != 3) {
      table.error =
          where + "expected 3 cells (folder, may include, holds), got " + std::to_string(cells.size());
      return table;
    }
    Layer layer;
    layer.folder = cells[0];
    if (!isFolderName(layer.folder)) {
      table.error = where + "'" + layer.folder + "' is not a folder name";
      return table;
    }
    if (table.find(layer.folder) != nullptr) {
      table.error = where + "folder '" + layer.folder + "' has two rows";
      return table;
    }
    if (cells[1] != "-") {
      std::stringstream names(cells[1]);
      std::string name;
      while (std::getline(names, name, ',')) {
        name = trim(name);
        if (!isFolderName(name)) {
          table.error =
              where + "'may include' must be '-' or folder names separated by commas, got '" + cells[1] + "'";
          return table;
        }
        layer.mayInclude.push_back(name);
      }
    }
    table.layers.push_back(layer);
  }
  if (table.layers.empty()) table.error = "the layering table has a header but no rows";
  return table;
}

LayerTable readLayerTable(const fs::path& markdownPath) {
  std::ifstream file(markdownPath);
  if (!file) {
    LayerTable table;
    table.error = "cannot read " + markdownPath.string();
    return table;
  }
  std::stringstream text;
  text << file.rdbuf();
  return parseLayerTable(text.str());
}

// Rows that name a folder which is not an earlier row: a back edge (a possible cycle), a forward edge
// out of data-flow order, a self-reference or an unknown folder. Empty means the table is a valid order.
std::vector<std::string> findOrderViolations(const LayerTable& table) {
  std::vector<std::string> violations;
  std::set<std::string> earlier;
  for (const Layer& layer : table.layers) {
    for (const std::string& name : layer.mayInclude) {
      if (earlier.count(name) == 0) {
        violations.push_back(layer.folder + " may include " + name + ", which is not an earlier row");
      }
    }
    earlier.insert(layer.folder);
  }
  return violations;
}

// Every include edge of <root>/src that the table does not allow, as "src/<file>:<line> includes <path>
// (<folder> may include: <list>)", plus every folder of src/ without a row and every include of a folder
// without a row. Files are visited in path order so that the report is stable.
std::vector<std::string> findLayeringViolations(const fs::path& root, const LayerTable& table) {
  std::vector<std::string> violations;
  const fs::path src = root / "src";
  if (!fs::is_directory(src)) return {"no folder " + src.string()};

  std::vector<std::string> folders;
  for (const fs::directory_entry& entry : fs::directory_iterator(src)) {
    if (entry.is_directory()) folders.push_back(entry.path().filename().string());
  }
  std::sort(folders.begin(), folders.end());

  // A quoted include whose path starts with a folder: `#include "quant/Calibrator.h"`. Includes without
  // a folder ("Foo.h") stay inside the including folder; <...> includes are third-party.
  const std::regex includeLine(R"re(^\s*#\s*include\s*"(([^"/]+)/[^"]*)")re");
  for (const std::string& folder : folders) {
    const Layer* layer = table.find(folder);
    if (layer == nullptr) {
      violations.push_back("src/" + folder + " is a folder with no row in the layering table");
      continue;
    }
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(src / folder)) {
      const std::string extension = entry.path().extension().string();
      if (entry.is_regular_file() && (extension == ".h" || extension == ".cpp"))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string relative = fs::relative(file, root).generic_string();
      std::ifstream stream(file);
      std::string line;
      for (int lineNumber = 1; std::getline(stream, line); ++lineNumber) {
        std::smatch match;
        if (!std::regex_search(line, match, includeLine)) continue;
        const std::string target = match[1].str();    // "ptq/QuantRecipe.h"
        const std::string included = match[2].str();  // "ptq"
        const std::string where = relative + ":" + std::to_string(lineNumber) + " includes " + target;
        if (table.find(included) == nullptr) {
          violations.push_back(where + " (" + included + " is not a folder in the layering table)");
        } else if (included != folder && std::find(layer->mayInclude.begin(), layer->mayInclude.end(),
                                                   included) == layer->mayInclude.end()) {
          violations.push_back(where + " (" + folder + " may include: " + joinOrDash(layer->mayInclude) +
                               ")");
        }
      }
    }
  }
  return violations;
}

std::string joinLines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) joined += "  " + line + "\n";
  return joined;
}

const fs::path kSourceDir = CPQ_SOURCE_DIR;
const fs::path kArchitectureDoc = kSourceDir / "docs" / "architecture.md";

// A scratch folder under the system temp folder, removed when the test ends (pass or fail).
class ScratchTree {
 public:
  ScratchTree() {
    static std::atomic<unsigned> counter{0};
    std::random_device random;
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    root_ = fs::temp_directory_path() / ("cpq_layering_" + std::to_string(now) + "_" +
                                         std::to_string(random()) + "_" + std::to_string(counter++));
    fs::create_directories(root_);
  }
  ~ScratchTree() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  ScratchTree(const ScratchTree&) = delete;
  ScratchTree& operator=(const ScratchTree&) = delete;

  const fs::path& root() const { return root_; }

  void write(const std::string& relative, const std::vector<std::string>& lines) const {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream file(path);
    for (const std::string& line : lines) file << line << "\n";
  }

 private:
  fs::path root_;
};

TEST(Layering, SourceTreeFollowsTheTable) {
  const LayerTable table = readLayerTable(kArchitectureDoc);
  ASSERT_TRUE(table.error.empty()) << kArchitectureDoc.string() << ": " << table.error;
  const std::vector<std::string> violations = findLayeringViolations(kSourceDir, table);
  EXPECT_TRUE(violations.empty()) << violations.size() << " include(s) break the layering of "
                                  << kArchitectureDoc.string() << ":\n"
                                  << joinLines(violations);
}

TEST(Layering, TableIsAcyclicAndInDataFlowOrder) {
  const LayerTable table = readLayerTable(kArchitectureDoc);
  ASSERT_TRUE(table.error.empty()) << kArchitectureDoc.string() << ": " << table.error;
  const std::vector<std::string> violations = findOrderViolations(table);
  EXPECT_TRUE(violations.empty()) << "rows of the layering table may only name earlier rows:\n"
                                  << joinLines(violations);
}

// The checks themselves: a table that is broken, or out of order, must be reported rather than pass.
TEST(Layering, BrokenTablesAreCaught) {
  const std::string header = std::string(kTableHeader) + "\n|---|---|---|\n";
  EXPECT_NE(parseLayerTable("# no table here\n").error, "");
  EXPECT_NE(parseLayerTable(header).error, "");                           // no rows
  EXPECT_NE(parseLayerTable(header + "| core | - |\n").error, "");        // two cells
  EXPECT_NE(parseLayerTable(header + "| core | a b | x |\n").error, "");  // not comma-separated
  EXPECT_NE(parseLayerTable(header + "| core | - | x |\n| core | - | y |\n").error, "");  // twice

  const LayerTable backEdge = parseLayerTable(header + "| core | quant | x |\n| quant | core | y |\ntext\n");
  ASSERT_TRUE(backEdge.error.empty()) << backEdge.error;
  ASSERT_EQ(backEdge.layers.size(), 2u);  // the table ends at the first non-table line
  const std::vector<std::string> violations = findOrderViolations(backEdge);
  ASSERT_EQ(violations.size(), 1u) << joinLines(violations);
  EXPECT_NE(violations[0].find("core may include quant"), std::string::npos) << violations[0];
}

TEST(Layering, WrongWayIncludeIsCaught) {
  const ScratchTree tree;
  const std::string header = std::string(kTableHeader) + "\n|---|---|---|\n";
  const LayerTable table = parseLayerTable(
      header + "| core | - | basics |\n| quant | core | primitives |\n| ptq | core, quant | runs |\n");
  ASSERT_TRUE(table.error.empty()) << table.error;

  // quant reaching up into ptq is the one wrong-way edge; the other includes are allowed (own folder,
  // a listed folder, a folder-less include, a system header, a commented-out line).
  const std::vector<std::string> calibrator = {
      "#pragma once",
      "#include <vector>",
      "#include \"core/Error.h\"",
      "#include \"quant/QuantDescriptor.h\"",
      "#include \"Histogram.h\"",
      "// #include \"ptq/NotReally.h\"",
      "#include \"ptq/QuantRecipe.h\"",
  };
  tree.write("src/quant/Calibrator.h", calibrator);
  tree.write("src/quant/QuantDescriptor.h", {"#pragma once", "#include \"core/Error.h\""});
  tree.write("src/ptq/QuantRecipe.h", {"#pragma once", "#include \"quant/QuantDescriptor.h\""});
  tree.write("src/ptq/QuantRecipe.cpp", {"#include \"ptq/QuantRecipe.h\"", "  #  include \"core/Error.h\""});
  tree.write("src/core/Error.h", {"#pragma once"});

  const auto wrongLine = std::find(calibrator.begin(), calibrator.end(), "#include \"ptq/QuantRecipe.h\"");
  const std::string expected =
      "src/quant/Calibrator.h:" + std::to_string(wrongLine - calibrator.begin() + 1) +
      " includes ptq/QuantRecipe.h (quant may include: core)";
  std::vector<std::string> violations = findLayeringViolations(tree.root(), table);
  ASSERT_EQ(violations.size(), 1u) << joinLines(violations);
  EXPECT_EQ(violations[0], expected);

  // A folder of src/ without a row, and an include of a folder without a row, are reported too.
  tree.write("src/extra/Thing.h", {"#pragma once"});
  tree.write("src/core/Uses.h", {"#include \"missing/Gone.h\""});
  violations = findLayeringViolations(tree.root(), table);
  ASSERT_EQ(violations.size(), 3u) << joinLines(violations);
  EXPECT_EQ(violations[0],
            "src/core/Uses.h:1 includes missing/Gone.h (missing is not a folder in the layering table)");
  EXPECT_EQ(violations[1], "src/extra is a folder with no row in the layering table");
  EXPECT_EQ(violations[2], expected);
}

// The test folders that are not the suite of one source folder, as tests/CMakeLists.txt lists them
// (set(CPQ_TEST_EXTRA_AREAS ...)), plus fixtures and helpers: one list for the build and this check.
std::set<std::string> extraTestAreas() {
  std::ifstream in(kSourceDir / "tests" / "CMakeLists.txt");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string key = "set(CPQ_TEST_EXTRA_AREAS";
  const size_t at = text.find(key);
  if (at == std::string::npos) throw std::runtime_error("tests/CMakeLists.txt sets no CPQ_TEST_EXTRA_AREAS");
  std::istringstream words(text.substr(at + key.size(), text.find(')', at) - at - key.size()));
  std::set<std::string> out = {"data", "support"};
  for (std::string w; words >> w;) out.insert(w);
  return out;
}

TEST(Layering, TestsMirrorSources) {
  const std::set<std::string> exempt = extraTestAreas();
  EXPECT_TRUE(exempt.count("export_ort") && exempt.count("architecture")) << "parsed the wrong list";
  std::vector<std::string> strays;
  for (const fs::directory_entry& entry : fs::directory_iterator(kSourceDir / "tests")) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || exempt.count(name) != 0) continue;
    if (!fs::is_directory(kSourceDir / "src" / name))
      strays.push_back("tests/" + name + " has no src/" + name);
  }
  std::sort(strays.begin(), strays.end());
  EXPECT_TRUE(strays.empty()) << "test folders must mirror the folders of src/:\n" << joinLines(strays);
}

}  // namespace
