#include "decode/BevIouNms.h"

#include "decode/BevGrid.h"
#include "decode/BevIou.h"

#include <algorithm>
#include <cmath>

namespace cpq {
namespace {

bool isTargetPair(const Detection& a, const Detection& b, double searchDistSq,
                  const std::vector<int>& targets) {
  const auto isTarget = [&](int label) {
    return std::find(targets.begin(), targets.end(), label) != targets.end();
  };
  if (isTarget(a.label) && isTarget(b.label)) return true;
  const double dx = static_cast<double>(a.x) - b.x;
  const double dy = static_cast<double>(a.y) - b.y;
  return dx * dx + dy * dy <= searchDistSq;
}

}  // namespace

std::vector<Detection> bevIouNms(const std::vector<Detection>& detections, float iouThreshold,
                                 float searchDistance, const std::vector<int>& targetLabels) {
  const double searchDistSq = static_cast<double>(searchDistance) * searchDistance;
  // Footprints farther apart than the largest diagonal cannot overlap (IoU 0), whatever their labels.
  double maxDiagonal = 0.0;
  for (const Detection& d : detections)
    maxDiagonal = std::max(maxDiagonal, std::hypot(double{d.l}, double{d.w}));
  BevGrid earlier(maxDiagonal * 1.001 + 1e-3);  // every earlier box, suppressed or not, as Autoware compares
  std::vector<Detection> kept;
  for (std::size_t i = 0; i < detections.size(); ++i) {
    const Detection& d = detections[i];
    bool suppressed = false;
    earlier.forEachNear(d.x, d.y, [&](std::size_t j) {
      suppressed = suppressed || (isTargetPair(d, detections[j], searchDistSq, targetLabels) &&
                                  bevIou(d, detections[j]) > iouThreshold);
    });
    earlier.insert(d.x, d.y, i);
    if (!suppressed) kept.push_back(d);
  }
  return kept;
}

}  // namespace cpq
