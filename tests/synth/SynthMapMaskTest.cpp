// Everything the nuScenes devkit's NuScenes() opens exists: every filename a table holds names a file under
// the dataroot (sample_data's point files and map's mask PNGs), and each map mask decodes to the size and
// values the devkit expects (nuscenes/utils/map_mask.py: 8-bit grayscale at 0.1 m per pixel, 255 on the
// drivable surface and sidewalks, pixel (round(x / 0.1), round(height - y / 0.1)) for a map-frame point).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/Error.h"
#include "core/RgbImage.h"
#include "synth/MapMask.h"
#include "synth/SynthTestSupport.h"

namespace cpq {
namespace {

namespace fs = std::filesystem;
using Table = std::vector<nlohmann::json>;

const char* kTables[] = {
    "attribute", "calibrated_sensor", "category",    "ego_pose", "instance", "log",       "map",
    "sample",    "sample_annotation", "sample_data", "scene",    "sensor",   "visibility"};

// One dataroot: the tables in tableDir, the files they name relative to root.
struct DataRoot {
  fs::path root, tableDir;
};

std::vector<DataRoot> dataRoots(const testing::GeneratedDataset& g, SynthLayout layout) {
  if (layout == SynthLayout::NuScenes) return {{g.dir(), g.dir() / "v1.0-trainval"}};
  std::vector<DataRoot> roots;
  for (const auto& e : fs::directory_iterator(g.dir()))
    if (e.is_directory()) roots.push_back({e.path() / "0", e.path() / "0" / "annotation"});
  std::sort(roots.begin(), roots.end(), [](const DataRoot& a, const DataRoot& b) { return a.root < b.root; });
  return roots;
}

std::map<std::string, Table> loadTables(const fs::path& tableDir) {
  std::map<std::string, Table> tables;
  for (const char* name : kTables) {
    const nlohmann::json j = testing::readJson(tableDir / (std::string(name) + ".json"));
    tables[name] = Table(j.begin(), j.end());
  }
  return tables;
}

// Every field named *filename of every record of every table: it names a non-empty regular file.
void checkReferencedFiles(const testing::GeneratedDataset& g, SynthLayout layout, size_t scenes) {
  const std::vector<DataRoot> roots = dataRoots(g, layout);
  ASSERT_EQ(roots.size(), layout == SynthLayout::NuScenes ? 1u : scenes);
  for (const DataRoot& d : roots) {
    const std::map<std::string, Table> tables = loadTables(d.tableDir);
    std::set<std::string> withFiles;
    size_t files = 0;
    for (const auto& [name, records] : tables)
      for (const auto& r : records)
        for (const auto& [key, value] : r.items()) {
          const std::string suffix = "filename";  // not fileformat, nor logfile (a log's name)
          if (key.size() < suffix.size() ||
              key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
          withFiles.insert(name + "." + key);
          ASSERT_TRUE(value.is_string()) << name << "." << key;
          const fs::path file = d.root / value.get<std::string>();
          EXPECT_TRUE(fs::is_regular_file(file)) << name << "." << key << " -> " << file;
          if (fs::is_regular_file(file)) {
            EXPECT_GT(fs::file_size(file), 0u) << file;
          }
          ++files;
        }
    // A new filename field must be added to what synth writes (and here): the devkit opens the map's.
    EXPECT_EQ(withFiles, (std::set<std::string>{"map.filename", "sample_data.filename"}));
    EXPECT_EQ(files, tables.at("sample_data").size() + tables.at("map").size());
    // Every log has exactly one map, as the devkit's log -> map index needs.
    std::map<std::string, int> mapsOfLog;
    for (const auto& m : tables.at("map")) {
      EXPECT_EQ(m.at("category"), "semantic_prior");
      for (const auto& log : m.at("log_tokens")) ++mapsOfLog[log.get<std::string>()];
    }
    ASSERT_EQ(mapsOfLog.size(), tables.at("log").size());
    for (const auto& log : tables.at("log")) EXPECT_EQ(mapsOfLog[log.at("token").get<std::string>()], 1);
  }
}

TEST(SynthMapMask, EveryReferencedFileExistsNuScenes) {
  checkReferencedFiles(testing::nuScenesSample(), SynthLayout::NuScenes, 2);
}

TEST(SynthMapMask, EveryReferencedFileExistsT4) {
  checkReferencedFiles(testing::t4Sample(), SynthLayout::T4, 2);
}

// The devkit's MapMask.to_pixel_coords: column round(x / 0.1), row round(height - y / 0.1).
struct Pixel {
  long c, r;
};
Pixel devkitPixel(const GrayImage& m, double x, double y) {
  return {std::lround(x / 0.1), std::lround(m.height - y / 0.1)};
}
bool inside(const GrayImage& m, Pixel p) { return p.c >= 0 && p.r >= 0 && p.c < m.width && p.r < m.height; }
int pixelValue(const GrayImage& m, Pixel p) {
  return inside(m, p) ? m.gray[static_cast<size_t>(p.r) * m.width + p.c] : -1;
}

void expectBinary(const GrayImage& m, const std::string& what) {
  size_t foreground = 0;
  for (uint8_t v : m.gray) {
    ASSERT_TRUE(v == 0 || v == 255) << what << ": value " << int(v);
    foreground += v == 255;
  }
  EXPECT_GT(foreground, 0u) << what;
  EXPECT_LT(foreground, m.gray.size()) << what;
}

// Per map: the mask covers the lidar's reach around each of its log's ego poses (in the map frame, as the
// tables store them), the ego stands on the street (255), 8 m to its right is still street (parking lane
// or sidewalk: the travel lanes, bike lane, parking lane and sidewalk span at least 11.5 m from the
// centreline, the ego drives at most 5.25 m right of it), 30 m to either side is off the street (0).
void checkMasks(const testing::GeneratedDataset& g, SynthLayout layout) {
  for (const DataRoot& d : dataRoots(g, layout)) {
    const std::map<std::string, Table> tables = loadTables(d.tableDir);
    std::map<std::string, std::string> sceneOfSample, logOfScene;
    for (const auto& s : tables.at("scene")) logOfScene[s.at("token")] = s.at("log_token");
    for (const auto& s : tables.at("sample")) sceneOfSample[s.at("token")] = s.at("scene_token");
    std::map<std::string, nlohmann::json> poses;
    for (const auto& p : tables.at("ego_pose")) poses[p.at("token")] = p;
    for (const auto& map : tables.at("map")) {
      const std::string file = (d.root / map.at("filename").get<std::string>()).string();
      const GrayImage mask = readGrayPng(file);
      ASSERT_GT(mask.width, 0);
      ASSERT_GT(mask.height, 0);
      EXPECT_LE(mask.width, kMaxMapMaskSide);
      EXPECT_LE(mask.height, kMaxMapMaskSide);
      expectBinary(mask, file);
      const std::string log = map.at("log_tokens").at(0);
      int checked = 0;
      for (const auto& sd : tables.at("sample_data")) {
        if (logOfScene.at(sceneOfSample.at(sd.at("sample_token"))) != log) continue;
        const nlohmann::json& pose = poses.at(sd.at("ego_pose_token"));
        const double x = pose["translation"][0], y = pose["translation"][1];
        const double qw = pose["rotation"][0], qx = pose["rotation"][1], qy = pose["rotation"][2],
                     qz = pose["rotation"][3];
        const double yaw = std::atan2(2 * (qw * qz + qx * qy), 1 - 2 * (qy * qy + qz * qz));
        const double fx = std::cos(yaw), fy = std::sin(yaw), lx = -fy, ly = fx;  // forward, left
        EXPECT_EQ(pixelValue(mask, devkitPixel(mask, x, y)), 255) << file << ": ego at " << x << ", " << y;
        EXPECT_EQ(pixelValue(mask, devkitPixel(mask, x - 8 * lx, y - 8 * ly)), 255)
            << file << ": 8 m right of the ego";
        EXPECT_EQ(pixelValue(mask, devkitPixel(mask, x + 30 * lx, y + 30 * ly)), 0) << file << ": 30 m left";
        EXPECT_EQ(pixelValue(mask, devkitPixel(mask, x - 30 * lx, y - 30 * ly)), 0) << file << ": 30 m right";
        for (const double side : {-80.0, 80.0}) {
          EXPECT_TRUE(inside(mask, devkitPixel(mask, x + side * lx, y + side * ly))) << file;
          EXPECT_TRUE(inside(mask, devkitPixel(mask, x + side * fx, y + side * fy))) << file;
        }
        ++checked;
      }
      EXPECT_EQ(checked, 8) << "4 keyframes and 4 sweeps per scene";
    }
  }
}

TEST(SynthMapMask, MasksDecodeWithTheStreetUnderTheEgoNuScenes) {
  if (!pngSupported()) GTEST_SKIP() << "no libpng in this build";
  checkMasks(testing::nuScenesSample(), SynthLayout::NuScenes);
}

TEST(SynthMapMask, MasksDecodeWithTheStreetUnderTheEgoT4) {
  if (!pngSupported()) GTEST_SKIP() << "no libpng in this build";
  checkMasks(testing::t4Sample(), SynthLayout::T4);
}

// A scene with a known street, rasterised and read back: known world points land on the pixels the devkit's
// rule gives (so rows run north to south and columns west to east), with the values the geometry implies.
SynthScene knownStreet(double heading, double curvature) {
  SynthScene sc;
  sc.road.origin = Eigen::Vector2d(1000.3, -500.7);
  sc.road.heading0 = heading;
  sc.road.curvature = curvature;
  sc.street.lanesPerDirection = 1;  // frontage 3.5 + 1.5 + 2.5 + 4 = 11.5 m
  sc.spanLo = -50;
  sc.spanHi = 80;
  sc.reach = 20;
  return sc;
}

GrayImage writeAndRead(const SynthScene& sc, const MapMaskGrid& grid, const std::string& name) {
  const fs::path file = testing::tempRoot() / ("cpq_mapmask_" + std::to_string(::getpid()) + "_" + name);
  writeMapMask(file.string(), sc, grid);
  GrayImage m = readGrayPng(file.string());
  fs::remove(file);
  return m;
}

void checkKnownStreet(double heading, double curvature, const std::string& name) {
  const SynthScene sc = knownStreet(heading, curvature);
  const MapMaskGrid grid = mapMaskGrid(sc);
  EXPECT_EQ(grid.origin.x(), std::floor(grid.origin.x()));
  EXPECT_EQ(grid.origin.y(), std::floor(grid.origin.y()));
  const GrayImage m = writeAndRead(sc, grid, name);
  ASSERT_EQ(m.width, grid.width);
  ASSERT_EQ(m.height, grid.height);
  expectBinary(m, name);
  auto value = [&](double s, double d) {
    const Eigen::Vector2d map = grid.worldToMap(sc.road.point(s, d));
    const Pixel p = devkitPixel(m, map.x(), map.y());
    EXPECT_TRUE(inside(m, p)) << name << " s " << s << " d " << d;
    return pixelValue(m, p);
  };
  for (double s : {-49.7, -20.0, 0.0, 33.3, 79.7}) {
    for (double d : {-11.3, -5.0, 0.0, 3.0, 11.3})
      EXPECT_EQ(value(s, d), 255) << name << " s " << s << " d " << d;
    for (double d : {-19.5, -11.8, 11.8, 19.5}) EXPECT_EQ(value(s, d), 0) << name << " s " << s << " d " << d;
  }
  for (double s : {-51.0, -50.3, 80.3, 81.0})
    EXPECT_EQ(value(s, 0), 0) << name << " beyond the stretch, s " << s;
  // The whole region within reach of the stretch is inside the mask.
  for (double s : {-50.0, 15.0, 80.0})
    for (double d : {-20.0, 20.0}) value(s, d);
  // The value of every pixel is the street test at the point the pixel stands for.
  for (int r = 0; r < m.height; r += 97)
    for (int c = 0; c < m.width; c += 89)
      ASSERT_EQ(m.gray[static_cast<size_t>(r) * m.width + c], streetMaskValue(sc, grid.pixelWorld(c, r)))
          << name << " pixel " << c << ", " << r;
}

TEST(SynthMapMask, KnownStraightStreetAtTheDevkitsPixels) {
  if (!pngSupported()) GTEST_SKIP() << "no libpng in this build";
  checkKnownStreet(0.5236, 0.0, "straight30");  // 30 degrees: a flipped or transposed mask moves the street
  checkKnownStreet(-2.0, 0.0, "straight-115");
}

TEST(SynthMapMask, KnownCurvedStreetAtTheDevkitsPixels) {
  if (!pngSupported()) GTEST_SKIP() << "no libpng in this build";
  checkKnownStreet(1.0, 1.0 / 60, "left60");  // a tight curve: 130 m of road turn through 124 degrees
  checkKnownStreet(2.5, -1.0 / 250, "right250");
}

TEST(SynthMapMask, MaskSizeIsBounded) {
  SynthScene sc = knownStreet(0.7, 0.0);
  sc.spanHi = 3000;  // a 3 km stretch: over 20,000 pixels on a side
  try {
    mapMaskGrid(sc);
    FAIL() << "a mask over " << kMaxMapMaskSide << " pixels on a side was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--frames-per-scene"), std::string::npos) << e.what();
  }
}

TEST(SynthMapMask, ReadGrayPngNamesABadFile) {
  if (!pngSupported()) GTEST_SKIP() << "no libpng in this build";
  const fs::path file = testing::tempRoot() / ("cpq_mapmask_" + std::to_string(::getpid()) + "_bad.png");
  { std::ofstream(file) << "not a png"; }
  try {
    readGrayPng(file.string());
    FAIL() << "a text file decoded as PNG";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(file.string(), 0), 0u) << e.what();
  }
  fs::remove(file);
}

}  // namespace
}  // namespace cpq
