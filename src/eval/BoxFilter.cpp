#include "eval/BoxFilter.h"

#include <cmath>

#include "core/Error.h"

namespace cpq {
namespace {

// Rotation matrix of a quaternion, normalised as pyquaternion does before use.
std::array<std::array<double, 3>, 3> rotationMatrix(const std::array<double, 4>& q) {
  double w = q[0], x = q[1], y = q[2], z = q[3];
  const double sumSq = w * w + x * x + y * y + z * z;
  if (std::abs(1.0 - sumSq) >= 1e-14 && sumSq > 0) {
    const double n = std::sqrt(sumSq);
    w /= n;
    x /= n;
    y /= n;
    z /= n;
  }
  return {{{w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y)},
           {2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x)},
           {2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z}}};
}

bool isBike(const std::string& name) { return name == "bicycle" || name == "motorcycle"; }

}  // namespace

double egoDistance(const EvalBox& box, const std::array<double, 3>& ego) {
  const double dx = box.translation[0] - ego[0];
  const double dy = box.translation[1] - ego[1];
  return std::sqrt(dx * dx + dy * dy);
}

bool pointInBox(const BikeRack& box, const std::array<double, 3>& p) {
  // Same construction as the devkit: corner 0 and its three neighbours along the box axes, then the
  // projection of (p - corner0) onto each edge must lie within [0, |edge|^2].
  const auto r = rotationMatrix(box.rotation);
  const double w = box.size[0], l = box.size[1], h = box.size[2];
  auto corner = [&](double cx, double cy, double cz) {
    std::array<double, 3> c{};
    for (int i = 0; i < 3; ++i) c[i] = r[i][0] * cx + r[i][1] * cy + r[i][2] * cz + box.translation[i];
    return c;
  };
  const auto p1 = corner(l / 2, w / 2, h / 2);
  const auto px = corner(-l / 2, w / 2, h / 2);
  const auto py = corner(l / 2, -w / 2, h / 2);
  const auto pz = corner(l / 2, w / 2, -h / 2);
  std::array<double, 3> v{};
  for (int i = 0; i < 3; ++i) v[i] = p[i] - p1[i];
  for (const auto* e : {&px, &py, &pz}) {
    std::array<double, 3> d{};
    for (int i = 0; i < 3; ++i) d[i] = (*e)[i] - p1[i];
    const double dv = d[0] * v[0] + d[1] * v[1] + d[2] * v[2];
    const double dd = d[0] * d[0] + d[1] * d[1] + d[2] * d[2];
    if (!(0 <= dv && dv <= dd)) return false;
  }
  return true;
}

FilterResult filterEvalBoxes(const EvalBoxes& boxes, const std::map<std::string, double>& classRange,
                             const FilterContext& ctx) {
  static const std::vector<BikeRack> kNoRacks;
  FilterResult out;
  out.kept.resize(boxes.numSamples());
  for (size_t s = 0; s < boxes.numSamples(); ++s) {
    const std::string& token = boxes.sampleTokens()[s];
    out.boxes.addSample(token);
    auto egoIt = ctx.egoTranslation.find(token);
    if (egoIt == ctx.egoTranslation.end()) throw Error("sample '" + token + "' has no ego pose");
    auto rackIt = ctx.bikeRacks.find(token);
    const auto& racks = rackIt == ctx.bikeRacks.end() ? kNoRacks : rackIt->second;
    const auto& list = boxes.boxes(s);
    for (size_t i = 0; i < list.size(); ++i) {
      const EvalBox& b = list[i];
      auto rangeIt = classRange.find(b.detectionName);
      if (rangeIt == classRange.end()) continue;
      if (!(egoDistance(b, egoIt->second) < rangeIt->second)) continue;
      if (b.numPts == 0) continue;
      if (isBike(b.detectionName)) {
        bool inRack = false;
        for (const auto& rack : racks) inRack |= pointInBox(rack, b.translation);
        if (inRack) continue;
      }
      out.boxes.add(b);
      out.kept[s].push_back(static_cast<int>(i));
    }
  }
  return out;
}

}  // namespace cpq
