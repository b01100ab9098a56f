#include "dataset/TokenIndex.h"

#include <functional>

namespace cpq {

namespace {

// At most 7 of 10 slots used, so that probe runs stay short.
size_t slotsFor(size_t n) {
  size_t slots = 16;
  while (slots * 7 < n * 10) slots *= 2;
  return slots;
}

uint64_t hashOf(std::string_view token) { return std::hash<std::string_view>{}(token); }

uint32_t tagOf(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

}  // namespace

void TokenIndex::reserve(size_t n) {
  if (slotsFor(n) > slots_.size()) rehash(slotsFor(n));
}

void TokenIndex::rehash(size_t slotCount) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(slotCount, Slot{});
  size_ = 0;
  for (const Slot& s : old) {
    if (s.row != kNoRow) insert(s.token, s.row);
  }
}

uint32_t TokenIndex::insert(std::string_view token, uint32_t row) {
  if (slotsFor(size_ + 1) > slots_.size()) rehash(slotsFor(size_ + 1));
  const uint64_t hash = hashOf(token);
  const uint32_t tag = tagOf(hash);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.row == kNoRow) {
      slot = Slot{token, row, tag};
      ++size_;
      return kNoRow;
    }
    if (slot.tag == tag && slot.token == token) return slot.row;
  }
}

uint32_t TokenIndex::find(std::string_view token) const {
  if (slots_.empty()) return kNoRow;
  const uint64_t hash = hashOf(token);
  const uint32_t tag = tagOf(hash);
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.row == kNoRow) return kNoRow;
    if (slot.tag == tag && slot.token == token) return slot.row;
  }
}

}  // namespace cpq
