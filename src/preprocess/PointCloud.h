#pragma once
// A lidar sweep as the model sees it, and the nuScenes / T4 `.pcd.bin` file it comes from.
//
// A `.pcd.bin` row is float32 little-endian x, y, z, intensity, ring. AWML's sweep loader overwrites column 4
// with the time lag (0 for the keyframe, t_key - t_sweep for older sweeps), so the ring index never reaches
// the network (docs/model.md, 'Point files and input columns'). readPcdBin does the same: column 4 of the
// result is the time lag.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace cpq {

struct PointCloud {
  at::Tensor points;             // [N, 5] float32, CPU: x, y, z, intensity, time_lag
  int64_t droppedNonFinite = 0;  // rows removed because x, y, z or intensity was NaN or Inf
};

// Reads a `.pcd.bin` of `columns` float32 per row (>= 4: x, y, z, intensity, then anything; nuScenes and T4
// write 5). Columns beyond intensity are discarded and replaced by one time-lag column set to `timeLag`.
// Rows whose x, y, z or intensity is not finite are dropped, counted and reported with spdlog::warn (a NaN
// ring value does not matter: that column is overwritten). An empty file gives 0 points.
// Throws cpq::Error naming the file when it cannot be read or its size is not a whole number of rows.
PointCloud readPcdBin(const std::string& path, int64_t columns = 5, float timeLag = 0.0f);

// x, y, z, t ([N, 4]) for the 4-feature models or x, y, z, I, t ([N, 5]) for the intensity models, from
// the [N, 5] points of a PointCloud. Always a new contiguous float32 tensor.
at::Tensor selectPointFeatures(const at::Tensor& points5, bool useIntensity);

// Writes any [N, C] tensor as float32 little-endian rows (C = 5 gives a `.pcd.bin`), atomically.
void writePcdBin(const std::string& path, const at::Tensor& points);

}  // namespace cpq
