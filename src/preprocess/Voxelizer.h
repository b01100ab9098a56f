#pragma once
// Hard voxelization of a point cloud into pillars, bit-exact with mmcv's `hard_voxelize` (which AWML's
// Det3DDataPreprocessor calls; docs/model.md, 'Voxelization'):
//   - per axis, in float32: c = floor((p - min) / voxel), computing (p - min) first;
//   - a point is kept iff 0 <= c < grid on every axis (no separate p < max test);
//   - voxels are numbered in the order of the first point that falls in them; the first maxPointsPerVoxel
//     points of a voxel (input order) are kept; points of voxels beyond maxVoxels are ignored.
//
// Hand-written rather than calling an ATen composition: a dense cell -> voxel map and raw pointer loops
// reach tens of millions of points per second on one core (bench/bench_voxelizer.cpp), and the integer
// bookkeeping (first-come numbering, per-voxel caps) has no vectorized ATen equivalent.
#include <ATen/ATen.h>

#include <array>
#include <cstdint>
#include <memory>

namespace cpq {

// float32, as mmcv sees them (mmdet3d passes `torch.tensor(point_cloud_range, dtype=torch.float32)`).
struct VoxelizerOptions {
  std::array<float, 6> pointCloudRange{};  // x_min, y_min, z_min, x_max, y_max, z_max
  std::array<float, 3> voxelSize{};        // vx, vy, vz
  int maxPointsPerVoxel = 32;
  int maxVoxels = 96000;
};

struct Voxels {
  at::Tensor voxels;     // [M, maxPointsPerVoxel, C] float32; slots >= numPoints[m] are zero
  at::Tensor numPoints;  // [M] int32, 1..maxPointsPerVoxel
  at::Tensor coords;     // [M, 4] int32: batch (0), z, y, x
};

// Thread safety: voxelize() reuses a cell -> voxel map (nx*ny*nz int32, 4 MiB for 1020 x 1020) kept in the
// object, guarded by a mutex. Concurrent calls on one Voxelizer are safe but run one after another; give
// each thread its own Voxelizer (copies are cheap: the map is rebuilt on first use) to run in parallel.
class Voxelizer {
 public:
  // Throws cpq::Error on non-positive or non-finite voxel sizes, an empty range, non-positive caps, or a
  // grid too large for the dense map (more than 2^28 cells or 2^24 cells along one axis).
  explicit Voxelizer(const VoxelizerOptions& options);
  Voxelizer(const Voxelizer& other);
  Voxelizer& operator=(const Voxelizer& other);
  Voxelizer(Voxelizer&&) noexcept;
  Voxelizer& operator=(Voxelizer&&) noexcept;
  ~Voxelizer();

  // points: [N, C] float32 CPU with C >= 3 (x, y, z first). Non-contiguous input is copied first.
  Voxels voxelize(const at::Tensor& points) const;

  // nx, ny, nz = round((max - min) / voxel), computed in float32 as mmcv does.
  std::array<int64_t, 3> gridSize() const { return grid_; }
  const VoxelizerOptions& options() const { return options_; }

 private:
  struct Scratch;

  VoxelizerOptions options_;
  std::array<int64_t, 3> grid_{};
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace cpq
