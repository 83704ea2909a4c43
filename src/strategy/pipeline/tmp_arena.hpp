// The sender pipeline's temporary memory: one arena of at most --max-tmp-bytes, handed out
// to chunks as a ring. Chunks finish in the order they start, so the oldest allocation is
// always the one released and the free space stays one or two runs.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace wxfer {

class TmpArena {
 public:
  static constexpr uint64_t kAlign = 64;

  explicit TmpArena(uint64_t capacity) : capacity_(capacity) {}
  uint64_t capacity() const { return capacity_; }
  // Bytes held by live allocations (rounded up to kAlign), never more than capacity().
  uint64_t used() const { return used_; }
  size_t live() const { return live_.size(); }

  // Offset of `bytes` contiguous bytes, or nullopt while the live allocations leave no such
  // run (a request larger than the capacity never fits; the caller checks that up front).
  std::optional<uint64_t> allocate(uint64_t bytes);
  // Frees the oldest live allocation.
  void release_oldest();

 private:
  struct Run {
    uint64_t begin, end;
  };
  uint64_t capacity_;
  uint64_t used_ = 0;
  std::deque<Run> live_;
};

}  // namespace wxfer
