#pragma once
// A hash grid of BEV centres for the NMS passes. With cells at least as wide as the largest distance that
// can matter, every centre that close to a query lies in the query's 3 x 3 block of cells, so each query
// costs its neighbours, not all n boxes (the Autoware path may see every cell of a 510 x 510 map when an
// untrained head scores high everywhere).
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace cpq {

class BevGrid {
 public:
  // cellSize > 0 (m).
  explicit BevGrid(double cellSize) : cellSize_(cellSize) {}

  void insert(float x, float y, std::size_t id) { cells_[key(cellOf(x), cellOf(y))].push_back(id); }

  // Calls f(id) for every inserted id in the 3 x 3 block of cells around (x, y), in no particular order.
  template <class F>
  void forEachNear(float x, float y, F&& f) const {
    const int64_t cx = cellOf(x);
    const int64_t cy = cellOf(y);
    for (int64_t dx = -1; dx <= 1; ++dx) {
      for (int64_t dy = -1; dy <= 1; ++dy) {
        const auto it = cells_.find(key(cx + dx, cy + dy));
        if (it == cells_.end()) continue;
        for (std::size_t id : it->second) f(id);
      }
    }
  }

 private:
  // Clamped so that huge or NaN coordinates stay defined (they share an edge cell; their distances
  // compare false or large anyway).
  int64_t cellOf(float v) const;
  static uint64_t key(int64_t cx, int64_t cy) {
    return (static_cast<uint64_t>(cx) << 32) ^ (static_cast<uint64_t>(cy) & 0xffffffffu);
  }

  double cellSize_;
  std::unordered_map<uint64_t, std::vector<std::size_t>> cells_;
};

}  // namespace cpq
