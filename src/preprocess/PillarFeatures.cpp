#include "preprocess/PillarFeatures.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>
#include <system_error>

#include "preprocess/TorchSumOrder.h"

namespace cpq {

int pillarFeatureCount(int rawDims, bool withZCenterOffset) {
  if (rawDims < 3) throw std::invalid_argument("pillar features need at least x, y, z per point");
  return rawDims + 3 + (withZCenterOffset ? 3 : 2);
}

namespace {

void checkVoxels(const Voxels& v) {
  const bool ok = v.voxels.defined() && v.voxels.dim() == 3 && v.voxels.size(2) >= 3 &&
                  v.voxels.scalar_type() == at::kFloat && v.voxels.device().is_cpu() &&
                  v.numPoints.defined() && v.numPoints.dim() == 1 &&
                  v.numPoints.size(0) == v.voxels.size(0) && v.coords.defined() && v.coords.dim() == 2 &&
                  v.coords.size(0) == v.voxels.size(0) && v.coords.size(1) == 4;
  if (!ok) {
    throw std::invalid_argument(
        "buildPillarFeatures expects voxels [M, P, C >= 3] float32 CPU, numPoints [M] and coords [M, 4]");
  }
}

// The double a config file wrote, recovered from its float32 rounding: the shortest decimal that rounds
// to the float (what Python prints), read back as a double. Locale-independent (to_chars / from_chars).
double configDouble(float value) {
  char text[64];
  const auto written = std::to_chars(text, text + sizeof(text), value);
  double parsed = value;
  if (written.ec == std::errc()) std::from_chars(text, written.ptr, parsed);
  return parsed;
}

// Pillar centres along one axis, [M] float32: mmdet3d computes `coors[:, i].to(float32) * vx + x_offset`
// with the Python floats vx and x_offset = vx / 2 + x_min (double). ATen rounds each scalar to float32 and
// rounds the product and the sum separately. The same ATen ops are used here (M values, negligible cost)
// rather than a hand loop, so that no compiler flag can fuse them into one FMA and change the last bit.
at::Tensor pillarCentres(const at::Tensor& coordColumn, float voxel, float rangeMin) {
  const double voxelAsWritten = configDouble(voxel);
  const double offset = voxelAsWritten / 2 + configDouble(rangeMin);
  return coordColumn.to(at::kFloat).mul(voxelAsWritten).add(offset).contiguous();
}

struct PillarShape {
  int64_t slots;     // P
  int64_t rawDims;   // C
  int64_t features;  // F
  bool withZ;
};

// One pillar: `in` is [P, C], `out` is [P, F]. Hand-written (not the ATen composition mmdet3d uses) to
// build the [M, P, F] tensor in one pass instead of a dozen full-size temporaries; the only ordering that
// matters, that of the mean's sum, follows ATen (data/TorchSumOrder.h).
void buildPillar(const float* in, int64_t count, const std::array<float, 3>& centre, const PillarShape& s,
                 float* out) {
  const int64_t c = s.rawDims;
  std::array<float, 3> mean{};
  for (int a = 0; a < 3; ++a) {
    // mmdet3d: features[:, :, :3].sum(dim=1) / num_points, over all P slots (the padding is zero).
    mean[a] = torch_sum_order::rowSum(in + a, c, s.slots) / static_cast<float>(count);
  }
  for (int64_t slot = 0; slot < count; ++slot) {
    const float* p = in + slot * c;
    float* o = out + slot * s.features;
    std::copy_n(p, c, o);
    o[c + 0] = p[0] - mean[0];
    o[c + 1] = p[1] - mean[1];
    o[c + 2] = p[2] - mean[2];
    o[c + 3] = p[0] - centre[0];
    o[c + 4] = p[1] - centre[1];
    if (s.withZ) o[c + 5] = p[2] - centre[2];
  }
  std::fill(out + count * s.features, out + s.slots * s.features, 0.0f);  // mmdet3d: features *= mask
}

}  // namespace

at::Tensor buildPillarFeatures(const Voxels& voxels, const PillarFeatureOptions& options) {
  checkVoxels(voxels);
  const at::Tensor points = voxels.voxels.contiguous();
  const at::Tensor counts = voxels.numPoints.to(at::kLong).contiguous();
  const int64_t m = points.size(0);
  const PillarShape shape{points.size(1), points.size(2),
                          pillarFeatureCount(static_cast<int>(points.size(2)), options.withZCenterOffset),
                          options.withZCenterOffset};

  const auto& range = options.pointCloudRange;
  const auto& size = options.voxelSize;
  const at::Tensor cx = pillarCentres(voxels.coords.select(1, 3), size[0], range[0]);
  const at::Tensor cy = pillarCentres(voxels.coords.select(1, 2), size[1], range[1]);
  const at::Tensor cz = pillarCentres(voxels.coords.select(1, 1), size[2], range[2]);

  at::Tensor features = at::empty({m, shape.slots, shape.features}, at::kFloat);
  const float* in = points.data_ptr<float>();
  const int64_t* count = counts.data_ptr<int64_t>();
  const float *px = cx.data_ptr<float>(), *py = cy.data_ptr<float>(), *pz = cz.data_ptr<float>();
  float* out = features.data_ptr<float>();
  for (int64_t v = 0; v < m; ++v) {
    if (count[v] < 0 || count[v] > shape.slots) {
      throw std::invalid_argument("buildPillarFeatures: numPoints[" + std::to_string(v) + "] = " +
                                  std::to_string(count[v]) + " is outside 0.." + std::to_string(shape.slots));
    }
    buildPillar(in + v * shape.slots * shape.rawDims, count[v], {px[v], py[v], pz[v]}, shape,
                out + v * shape.slots * shape.features);
  }
  return features;
}

}  // namespace cpq
