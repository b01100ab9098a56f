#include "decode/CircleNms.h"

#include "decode/BevGrid.h"

#include <algorithm>
#include <cmath>

namespace cpq {
namespace {

// In float, as both references compute it.
float centreDistSq(const Detection& a, const Detection& b) {
  const float dx = a.x - b.x;
  const float dy = a.y - b.y;
  return dx * dx + dy * dy;
}

}  // namespace

std::vector<Detection> circleNms(std::vector<Detection> detections, float distSqThreshold,
                                 CircleBoundary boundary, std::size_t maxKept) {
  std::stable_sort(detections.begin(), detections.end(),
                   [](const Detection& a, const Detection& b) { return a.score > b.score; });
  const auto within = [&](float d) {
    return boundary == CircleBoundary::Inclusive ? d <= distSqThreshold : d < distSqThreshold;
  };
  // Only kept detections suppress, so a detection survives iff no kept one lies within the radius: the
  // greedy pass of both references, asked of the nearby kept detections alone.
  const double radius = distSqThreshold > 0.0f ? std::sqrt(static_cast<double>(distSqThreshold)) : 0.0;
  BevGrid keptGrid(radius * 1.001 + 1e-3);
  std::vector<Detection> kept;
  for (const Detection& d : detections) {
    if (kept.size() >= maxKept) break;
    bool suppressed = false;
    keptGrid.forEachNear(d.x, d.y,
                         [&](std::size_t k) { suppressed = suppressed || within(centreDistSq(kept[k], d)); });
    if (suppressed) continue;
    keptGrid.insert(d.x, d.y, kept.size());
    kept.push_back(d);
  }
  return kept;
}

}  // namespace cpq
