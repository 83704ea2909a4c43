#include "strategy/pipeline/tmp_arena.hpp"

#include "common/error.hpp"

namespace wxfer {

std::optional<uint64_t> TmpArena::allocate(uint64_t bytes) {
  const uint64_t size = std::max<uint64_t>(kAlign, (bytes + kAlign - 1) / kAlign * kAlign);
  if (size > capacity_) return std::nullopt;
  uint64_t at = 0;
  if (!live_.empty()) {
    const uint64_t head = live_.back().end, tail = live_.front().begin;
    // Wrapped: the newest run starts below the oldest, free space is [head, tail).
    const bool wrapped = live_.back().begin < tail;
    if (wrapped) {
      if (head + size > tail) return std::nullopt;
      at = head;
    } else if (head + size <= capacity_) {
      at = head;
    } else if (size <= tail) {
      at = 0;
    } else {
      return std::nullopt;
    }
  }
  live_.push_back({at, at + size});
  used_ += size;
  return at;
}

void TmpArena::release_oldest() {
  WXFER_ASSERT(!live_.empty());
  used_ -= live_.front().end - live_.front().begin;
  live_.pop_front();
}

}  // namespace wxfer
