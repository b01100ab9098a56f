// nuScenes / T4 JSON tables through NuScenesTables::load. The harness keeps a small valid set of the 13
// tables in its scratch folder; the input's first byte picks the table it replaces (modulo 13), the rest is
// that table's text, so every table and every cross-reference between them is reachable.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "FuzzSupport.h"
#include "dataset/NuScenesTables.h"
#include "tables_seed.h"

namespace {

std::filesystem::path tableDir() { return cpq::fuzz::scratchDir() / "tables"; }

void writeTable(size_t index, const std::string& text) {
  std::ofstream out(tableDir() / (std::string(cpq::fuzz::kTables[index].name) + ".json"),
                    std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cpq::fuzz::maybeWriteSeeds([](const std::filesystem::path& dir) {
    for (size_t i = 0; i < cpq::fuzz::kTableCount; ++i)
      cpq::fuzz::writeFile(dir / (std::string(cpq::fuzz::kTables[i].name) + ".in"),
                           std::string(1, static_cast<char>(i)) + cpq::fuzz::kTables[i].json);
  });
  std::filesystem::create_directories(tableDir());
  for (size_t i = 0; i < cpq::fuzz::kTableCount; ++i) writeTable(i, cpq::fuzz::kTables[i].json);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t index = data[0] % cpq::fuzz::kTableCount;
  writeTable(index, std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  cpq::fuzz::expectOnlyCpqErrors([&] { (void)cpq::NuScenesTables::load(tableDir()); });
  writeTable(index, cpq::fuzz::kTables[index].json);
  return 0;
}
