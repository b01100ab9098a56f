#pragma once
// The map mask of one synthetic scene, as the nuScenes devkit reads it (nuscenes/utils/map_mask.py,
// MapMask): an 8-bit grayscale PNG at 0.1 m per pixel whose lower-left corner is the map frame's origin,
// 255 (foreground) on the semantic prior (the drivable surface and the sidewalks), 0 elsewhere. The devkit
// maps a point (x, y) of the map frame to column round(x / 0.1) and row round(height - y / 0.1).
//
// Each scene is its own map: the tables' "global" frame of a scene is its map frame, the generator's world
// frame shifted by whole metres so that the scene's content starts 1 m from the mask's lower-left corner.
#include <Eigen/Core>

#include <cstdint>
#include <string>

#include "synth/SceneObjects.h"

namespace cpq {

constexpr double kMapMaskResolution = 0.1;  // m per pixel: the devkit's native map resolution
constexpr int kMaxMapMaskSide = 20000;      // pixels (2 km) on either side
constexpr uint8_t kMapMaskForeground = 255, kMapMaskBackground = 0;

struct MapMaskGrid {
  Eigen::Vector2d origin{0, 0};  // world xy of the map frame's (0, 0): whole metres
  int width = 0, height = 0;     // pixels

  Eigen::Vector2d worldToMap(const Eigen::Vector2d& world) const { return world - origin; }
  // The world point the devkit's pixel (column c, row r) stands for: map (c, height - r) * resolution.
  Eigen::Vector2d pixelWorld(int c, int r) const;
};

// The bounding box of everything within scene.reach of the populated road stretch, 1 m more on each side,
// its lower-left corner at whole metres. cpq::Error naming --frames-per-scene when a side would exceed
// kMaxMapMaskSide pixels.
MapMaskGrid mapMaskGrid(const SynthScene& scene);

// 255 where a world point is on the street (|d| <= frontage: travel, bike and parking lanes, curb to
// sidewalk edge) within the populated stretch, 0 elsewhere. Only + - * / sqrt, remainder and the portable
// atan2, so every machine gives the same pixels.
uint8_t streetMaskValue(const SynthScene& scene, const Eigen::Vector2d& world);

// Writes the scene's mask over grid as a grayscale PNG (atomically, row by row); cpq::Error naming path.
void writeMapMask(const std::string& path, const SynthScene& scene, const MapMaskGrid& grid);

}  // namespace cpq
