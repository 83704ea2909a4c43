// The sender pipeline's memory bound: live allocations never overlap, never leave the arena,
// and a chunk that does not fit waits (nullopt) until older chunks are released.
#include <gtest/gtest.h>

#include <deque>
#include <random>

#include "strategy/pipeline/tmp_arena.hpp"

namespace wxfer {
namespace {

struct Live {
  uint64_t begin, end;
};

void expect_disjoint_inside(const std::deque<Live>& live, uint64_t capacity) {
  uint64_t total = 0;
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_LE(live[i].end, capacity);
    total += live[i].end - live[i].begin;
    for (size_t j = i + 1; j < live.size(); ++j)
      EXPECT_TRUE(live[i].end <= live[j].begin || live[j].end <= live[i].begin) << "overlap " << i << ", " << j;
  }
  EXPECT_LE(total, capacity);
}

TEST(TmpArena, ChunkWaitsUntilOlderChunksAreReleased) {
  TmpArena arena(1024);
  ASSERT_EQ(arena.allocate(400), 0u);
  ASSERT_EQ(arena.allocate(400), 448u);  // rounded to 64 bytes
  EXPECT_FALSE(arena.allocate(400));     // 896 + 448 > 1024: the third chunk must wait
  arena.release_oldest();
  EXPECT_EQ(arena.allocate(400), 0u);  // wraps into the freed front
  EXPECT_EQ(arena.used(), 2 * 448u);
  EXPECT_FALSE(arena.allocate(64));  // between the wrapped head (448) and the tail (448)
}

TEST(TmpArena, LargerThanTheBoundNeverFits) {
  TmpArena arena(4096);
  EXPECT_FALSE(arena.allocate(4097));
  EXPECT_EQ(arena.allocate(4096), 0u);
  EXPECT_FALSE(arena.allocate(1));
  arena.release_oldest();
  EXPECT_EQ(arena.used(), 0u);
}

TEST(TmpArena, ZeroByteChunksStillTakeRoom) {
  TmpArena arena(128);
  EXPECT_EQ(arena.allocate(0), 0u);
  EXPECT_EQ(arena.allocate(0), 64u);
  EXPECT_FALSE(arena.allocate(0));
}

TEST(TmpArena, RandomFifoTrafficStaysInsideTheBound) {
  std::mt19937_64 gen(7);
  for (uint64_t capacity : {64ull * 10, 1000ull * 64 + 17, 1ull << 20}) {
    TmpArena arena(capacity);
    std::deque<Live> live;
    std::uniform_int_distribution<uint64_t> size(0, capacity);
    for (int i = 0; i < 20000; ++i) {
      if (gen() % 3 != 0 || live.empty()) {
        const uint64_t want = size(gen) / (1 + gen() % 8);
        if (const auto at = arena.allocate(want)) {
          live.push_back({*at, *at + std::max<uint64_t>(want, 1)});
        } else if (live.empty()) {
          EXPECT_GT((want + 63) / 64 * 64, capacity) << "an empty arena refused " << want;
        }
      } else {
        arena.release_oldest();
        live.pop_front();
      }
      ASSERT_EQ(arena.live(), live.size());
      ASSERT_LE(arena.used(), arena.capacity());
      if (i % 97 == 0) expect_disjoint_inside(live, capacity);
    }
    while (!live.empty()) {
      arena.release_oldest();
      live.pop_front();
    }
    EXPECT_EQ(arena.used(), 0u);
    EXPECT_TRUE(arena.allocate(capacity / 64 * 64));  // everything free again: one run
  }
}

}  // namespace
}  // namespace wxfer
