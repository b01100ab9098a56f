#include "preprocess/Voxelizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/Error.h"

namespace cpq {

// Per-call bookkeeping kept between calls so that voxelize() allocates nothing but its results.
struct Voxelizer::Scratch {
  std::mutex mutex;
  std::vector<int32_t> cellToVoxel;  // nx*ny*nz; -1 = no voxel yet. All -1 again when voxelize() returns.
  std::vector<int32_t> pointSlot;    // per point: voxel * maxPointsPerVoxel + slot, or -1 when not kept
  std::vector<int32_t> voxelCount;   // per voxel: points kept so far
  std::vector<int32_t> voxelCell;    // per voxel: its cell (z * ny + y) * nx + x
};

namespace {

constexpr int64_t kMaxCells = int64_t{1} << 28;      // 1 GiB of int32 map
constexpr int64_t kMaxAxisCells = int64_t{1} << 24;  // grid sizes stay exact in float32

void checkPositive(int value, const char* what) {
  if (value <= 0) throw Error(fmt::format("voxelizer: {} must be positive, got {}", what, value));
}

// mmcv: grid_size[i] = round((range_max[i] - range_min[i]) / voxel_size[i]) with float operands.
// (std::round, like mmcv's C++ `round`; the config layer rejects ranges that are not whole voxels anyway.)
int64_t axisGridSize(float lo, float hi, float voxel, int axis) {
  const char name = "xyz"[axis];
  if (!(std::isfinite(voxel) && voxel > 0.0f)) {
    throw Error(
        fmt::format("voxelizer: voxel size along {} must be positive and finite, got {}", name, voxel));
  }
  if (!(std::isfinite(lo) && std::isfinite(hi) && hi > lo)) {
    throw Error(
        fmt::format("voxelizer: point cloud range along {} must have max > min, got [{}, {}]", name, lo, hi));
  }
  const float cells = std::round((hi - lo) / voxel);
  if (!(cells >= 1.0f && cells <= static_cast<float>(kMaxAxisCells))) {
    throw Error(fmt::format("voxelizer: range [{}, {}] over voxel {} gives {} cells along {}; need 1..{}", lo,
                            hi, voxel, cells, name, kMaxAxisCells));
  }
  return static_cast<int64_t>(cells);
}

void checkPoints(const at::Tensor& points) {
  if (points.dim() != 2 || points.size(1) < 3 || points.scalar_type() != at::kFloat ||
      !points.device().is_cpu()) {
    throw std::invalid_argument("Voxelizer::voxelize expects [N, C >= 3] float32 CPU points, got " +
                                std::string(points.toString()) + " of shape " + c10::str(points.sizes()));
  }
}

}  // namespace

Voxelizer::Voxelizer(const VoxelizerOptions& options)
    : options_(options), scratch_(std::make_unique<Scratch>()) {
  for (int a = 0; a < 3; ++a) {
    grid_[a] =
        axisGridSize(options.pointCloudRange[a], options.pointCloudRange[a + 3], options.voxelSize[a], a);
  }
  const int64_t layerCells = grid_[0] * grid_[1];  // each axis <= 2^24: no overflow in two steps
  if (layerCells > kMaxCells || layerCells * grid_[2] > kMaxCells) {
    throw Error(fmt::format("voxelizer: grid {} x {} x {} has more than {} cells", grid_[0], grid_[1],
                            grid_[2], kMaxCells));
  }
  checkPositive(options.maxPointsPerVoxel, "max points per voxel");
  checkPositive(options.maxVoxels, "max voxels");
  if (int64_t{options.maxPointsPerVoxel} * options.maxVoxels > std::numeric_limits<int32_t>::max()) {
    throw Error("voxelizer: max voxels x max points per voxel must stay below 2^31");
  }
}

Voxelizer::Voxelizer(const Voxelizer& other) : Voxelizer(other.options_) {}
Voxelizer& Voxelizer::operator=(const Voxelizer& other) {
  if (this != &other) *this = Voxelizer(other.options_);
  return *this;
}
Voxelizer::Voxelizer(Voxelizer&&) noexcept = default;
Voxelizer& Voxelizer::operator=(Voxelizer&&) noexcept = default;
Voxelizer::~Voxelizer() = default;

namespace {

struct Grid {
  std::array<float, 3> min;
  std::array<float, 3> voxel;
  std::array<int64_t, 3> size;
};

// Pass 1: decides, for every point, its voxel and slot (or that it is dropped), numbering voxels by first
// point. Returns the number of voxels. Allocation-free; the caller has sized every scratch vector.
int32_t assignPoints(const float* points, int64_t n, int64_t channels, const Grid& g, int32_t maxPoints,
                     int32_t maxVoxels, int32_t* cellToVoxel, int32_t* pointSlot, int32_t* voxelCount,
                     int32_t* voxelCell) {
  const float minX = g.min[0], minY = g.min[1], minZ = g.min[2];
  const float vx = g.voxel[0], vy = g.voxel[1], vz = g.voxel[2];
  const float gx = static_cast<float>(g.size[0]), gy = static_cast<float>(g.size[1]),
              gz = static_cast<float>(g.size[2]);
  const int64_t nx = g.size[0], ny = g.size[1];
  int32_t numVoxels = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float* p = points + i * channels;
    // mmcv computes c = floor((p - min) / voxel) in float and keeps the point iff 0 <= c < grid. For an
    // integer grid G, 0 <= floor(q) < G holds exactly when 0 <= q < G, and then floor(q) equals the
    // truncation (int)q; so the float quotient q is tested and truncated directly: the same decisions and
    // indices without a floorf call, and NaN fails the test as it must. Never replace the divisions by
    // multiplications with 1/voxel: that changes q near voxel edges.
    const float qx = (p[0] - minX) / vx;
    const float qy = (p[1] - minY) / vy;
    const float qz = (p[2] - minZ) / vz;
    if (!(qx >= 0.0f && qx < gx && qy >= 0.0f && qy < gy && qz >= 0.0f && qz < gz)) {
      pointSlot[i] = -1;
      continue;
    }
    const int64_t cell =
        (static_cast<int64_t>(qz) * ny + static_cast<int64_t>(qy)) * nx + static_cast<int64_t>(qx);
    int32_t voxel = cellToVoxel[cell];
    if (voxel < 0) {
      if (numVoxels >= maxVoxels) {  // a new voxel past the cap: all its points are ignored
        pointSlot[i] = -1;
        continue;
      }
      voxel = numVoxels++;
      cellToVoxel[cell] = voxel;
      voxelCell[voxel] = static_cast<int32_t>(cell);
      voxelCount[voxel] = 0;
    }
    const int32_t slot = voxelCount[voxel];
    if (slot < maxPoints) {
      pointSlot[i] = voxel * maxPoints + slot;
      voxelCount[voxel] = slot + 1;
    } else {
      pointSlot[i] = -1;
    }
  }
  return numVoxels;
}

// Copies each kept point into its slot. The row width is a compile-time constant for the usual 4 and 5
// columns so that the copy is a couple of moves rather than a memmove call per point (a quarter of the
// run time otherwise); kChannels = 0 handles any other width.
template <int64_t kChannels>
void scatterRows(const float* points, int64_t n, int64_t channels, const int32_t* pointSlot, float* out) {
  const int64_t c = kChannels > 0 ? kChannels : channels;
  for (int64_t i = 0; i < n; ++i) {
    if (pointSlot[i] < 0) continue;
    const float* src = points + i * c;
    float* dst = out + int64_t{pointSlot[i]} * c;
    for (int64_t k = 0; k < c; ++k) dst[k] = src[k];
  }
}

// Pass 2: copies the kept points into their slots and zeroes the padding, one write per output float.
at::Tensor gatherPoints(const float* points, int64_t n, int64_t channels, int32_t numVoxels,
                        int32_t maxPoints, const int32_t* pointSlot, const int32_t* voxelCount) {
  at::Tensor voxels = at::empty({numVoxels, maxPoints, channels}, at::kFloat);
  float* out = voxels.data_ptr<float>();
  switch (channels) {
    case 4:
      scatterRows<4>(points, n, channels, pointSlot, out);
      break;
    case 5:
      scatterRows<5>(points, n, channels, pointSlot, out);
      break;
    default:
      scatterRows<0>(points, n, channels, pointSlot, out);
      break;
  }
  for (int64_t v = 0; v < numVoxels; ++v) {
    const int64_t used = voxelCount[v];
    std::fill_n(out + (v * maxPoints + used) * channels, (maxPoints - used) * channels, 0.0f);
  }
  return voxels;
}

// coords[m] = (batch 0, z, y, x), as mmdet3d pads mmcv's (z, y, x) with the batch index in front.
at::Tensor voxelCoords(const int32_t* voxelCell, int32_t numVoxels, const std::array<int64_t, 3>& grid) {
  at::Tensor coords = at::empty({numVoxels, 4}, at::kInt);
  int32_t* out = coords.data_ptr<int32_t>();
  const int64_t nx = grid[0], nxy = grid[0] * grid[1];
  for (int64_t v = 0; v < numVoxels; ++v) {
    const int64_t cell = voxelCell[v];
    out[v * 4 + 0] = 0;
    out[v * 4 + 1] = static_cast<int32_t>(cell / nxy);
    out[v * 4 + 2] = static_cast<int32_t>((cell % nxy) / nx);
    out[v * 4 + 3] = static_cast<int32_t>(cell % nx);
  }
  return coords;
}

}  // namespace

Voxels Voxelizer::voxelize(const at::Tensor& pointsIn) const {
  checkPoints(pointsIn);
  const at::Tensor points = pointsIn.contiguous();
  const int64_t n = points.size(0);
  const int64_t channels = points.size(1);
  const float* data = points.data_ptr<float>();
  const int32_t maxPoints = options_.maxPointsPerVoxel;
  const int32_t maxVoxels = options_.maxVoxels;

  Scratch& s = *scratch_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.cellToVoxel.empty()) {
    s.cellToVoxel.assign(static_cast<size_t>(grid_[0] * grid_[1] * grid_[2]), -1);
    s.voxelCount.resize(static_cast<size_t>(maxVoxels));
    s.voxelCell.resize(static_cast<size_t>(maxVoxels));
  }
  if (s.pointSlot.size() < static_cast<size_t>(n)) s.pointSlot.resize(static_cast<size_t>(n));

  const auto& r = options_.pointCloudRange;
  const Grid grid{{r[0], r[1], r[2]}, options_.voxelSize, grid_};
  const int32_t numVoxels = assignPoints(data, n, channels, grid, maxPoints, maxVoxels, s.cellToVoxel.data(),
                                         s.pointSlot.data(), s.voxelCount.data(), s.voxelCell.data());
  // Reset only the touched cells, before anything below can throw, so the map is clean for the next call.
  for (int32_t v = 0; v < numVoxels; ++v) s.cellToVoxel[static_cast<size_t>(s.voxelCell[v])] = -1;

  Voxels result;
  result.voxels =
      gatherPoints(data, n, channels, numVoxels, maxPoints, s.pointSlot.data(), s.voxelCount.data());
  result.numPoints = at::empty({numVoxels}, at::kInt);
  std::copy_n(s.voxelCount.data(), numVoxels, result.numPoints.data_ptr<int32_t>());
  result.coords = voxelCoords(s.voxelCell.data(), numVoxels, grid_);
  return result;
}

}  // namespace cpq
