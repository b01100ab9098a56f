#pragma once
// token -> row index of one table. Open addressing with linear probing over one flat slot array, so that a
// lookup in a million-row table costs about two cache misses (the slot, then the token it points to) where
// std::unordered_map chases a bucket, a node and the key. The views point into strings the caller keeps.
#include <cstdint>
#include <string_view>
#include <vector>

namespace cpq {

constexpr uint32_t kNoRow = 0xffffffffu;

class TokenIndex {
 public:
  // Room for n tokens without rehashing.
  void reserve(size_t n);
  // Adds token -> row and returns kNoRow, or returns the row that already holds the token (nothing added).
  uint32_t insert(std::string_view token, uint32_t row);
  // The row of `token`, or kNoRow.
  uint32_t find(std::string_view token) const;
  size_t size() const { return size_; }

 private:
  struct Slot {
    std::string_view token;
    uint32_t row = kNoRow;  // kNoRow = empty slot
    uint32_t tag = 0;       // high bits of the hash: most mismatches are rejected without reading the token
  };
  void rehash(size_t slotCount);

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace cpq
