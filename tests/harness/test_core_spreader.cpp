// Real MPI ranks on this host. The test crowds every busy rank onto one core itself, so that
// where they end up does not depend on the kernel's placement.
#include "harness/core_spreader.hpp"

#include <gtest/gtest.h>
#include <mpi.h>
#include <sched.h>

#include <algorithm>
#include <map>
#include <vector>

#include "common/error.hpp"

namespace wxfer {
namespace {

cpu_set_t current_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  return set;
}

int first_core(const cpu_set_t& set) {
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) return c;
  return -1;
}

void pin_to(int core) {
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(core, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
}

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

// Every rank calls rebalance() in turn, `rounds` times over.
void rebalance_in_turn(CoreSpreader& spreader, int rounds) {
  for (int round = 0; round < rounds; ++round)
    for (int r = 0; r < world_size(); ++r) {
      if (r == world_rank()) spreader.rebalance();
      MPI_Barrier(MPI_COMM_WORLD);
    }
}

TEST(CoreSpreader, OffNeverMovesARank) {
  const cpu_set_t before = current_affinity();
  CoreSpreader spreader(MPI_COMM_WORLD, CoreSpreading::off, /*rebalance_every_seconds=*/0);
  EXPECT_FALSE(spreader.active());
  spreader.busy();
  rebalance_in_turn(spreader, 2);
  spreader.idle();
  EXPECT_EQ(spreader.moves(), 0u);
  const cpu_set_t after = current_affinity();
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

TEST(CoreSpreader, BusyRanksCrowdedOnOneCoreSpreadEvenlyAndGetTheirCoresBack) {
  const cpu_set_t before = current_affinity();
  const int cores = CPU_COUNT(&before);
  CoreSpreader spreader(MPI_COMM_WORLD, CoreSpreading::on, /*rebalance_every_seconds=*/0);
  if (!spreader.active()) GTEST_SKIP() << "this rank may use " << cores << " core(s): nowhere to spread";
  const int crowded = first_core(before);
  pin_to(crowded);
  spreader.busy();
  MPI_Barrier(MPI_COMM_WORLD);
  rebalance_in_turn(spreader, world_size());

  // Busy ranks per core: as even as the cores allow, each move taking one rank off the crowd.
  const int here = sched_getcpu();
  std::vector<int> where(static_cast<size_t>(world_size()));
  MPI_Allgather(&here, 1, MPI_INT, where.data(), 1, MPI_INT, MPI_COMM_WORLD);
  std::map<int, int> per_core;
  for (int c : where) ++per_core[c];
  const int used = std::min(cores, world_size());
  EXPECT_EQ(static_cast<int>(per_core.size()), used);
  EXPECT_EQ(per_core[crowded], (world_size() + used - 1) / used);
  for (const auto& [core, n] : per_core) {
    EXPECT_TRUE(CPU_ISSET(core, &before)) << "moved to core " << core << ", which it may not use";
    EXPECT_LE(n, (world_size() + used - 1) / used) << "core " << core;
  }
  uint64_t moves = spreader.moves(), total = 0;
  MPI_Allreduce(&moves, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_EQ(total, static_cast<uint64_t>(world_size() - per_core[crowded]));

  // Done: a rank that moved may run on all its cores again; one that stayed is still where
  // this test pinned it.
  spreader.idle();
  const cpu_set_t after = current_affinity();
  if (moves > 0)
    EXPECT_TRUE(CPU_EQUAL(&before, &after));
  else
    EXPECT_EQ(CPU_COUNT(&after), 1);
  ASSERT_EQ(sched_setaffinity(0, sizeof(before), &before), 0);
}

TEST(CoreSpreader, AnIdleRankDoesNotCountAsLoad) {
  const cpu_set_t before = current_affinity();
  CoreSpreader spreader(MPI_COMM_WORLD, CoreSpreading::on, /*rebalance_every_seconds=*/0);
  if (!spreader.active()) GTEST_SKIP() << "nowhere to spread";
  pin_to(first_core(before));
  if (world_rank() == 0) spreader.busy();  // the others share its core but are not busy
  MPI_Barrier(MPI_COMM_WORLD);
  rebalance_in_turn(spreader, 2);
  EXPECT_EQ(spreader.moves(), 0u);
  spreader.idle();
  ASSERT_EQ(sched_setaffinity(0, sizeof(before), &before), 0);
}

// The harness never calls rebalance(): the watcher thread moves a busy rank by itself.
TEST(CoreSpreader, TheWatcherSpreadsBusyRanksWithoutTheirHelp) {
  const cpu_set_t before = current_affinity();
  const int cores = CPU_COUNT(&before);
  CoreSpreader spreader(MPI_COMM_WORLD, CoreSpreading::on);
  if (!spreader.active()) GTEST_SKIP() << "this rank may use " << cores << " core(s): nowhere to spread";
  const int crowded = first_core(before);
  pin_to(crowded);
  MPI_Barrier(MPI_COMM_WORLD);
  spreader.busy();
  const int used = std::min(cores, world_size());
  const int most = (world_size() + used - 1) / used;
  bool even = false;
  for (int round = 0; round < 200 && !even; ++round) {  // up to ~10 s of busy ranks
    const double until = MPI_Wtime() + 0.05;
    while (MPI_Wtime() < until) {}
    const int here = sched_getcpu();
    std::vector<int> where(static_cast<size_t>(world_size()));
    MPI_Allgather(&here, 1, MPI_INT, where.data(), 1, MPI_INT, MPI_COMM_WORLD);
    std::map<int, int> per_core;
    for (int c : where) ++per_core[c];
    even = static_cast<int>(per_core.size()) == used &&
           std::all_of(per_core.begin(), per_core.end(), [&](const auto& p) { return p.second <= most; });
  }
  EXPECT_TRUE(even) << "busy ranks still crowded after 10 s";
  const uint64_t moves = spreader.moves();
  spreader.idle();
  const cpu_set_t after = current_affinity();
  if (moves > 0) {
    EXPECT_TRUE(CPU_EQUAL(&before, &after));
  }
  ASSERT_EQ(sched_setaffinity(0, sizeof(before), &before), 0);
  spreader.close(Deadline::after(30));
}

}  // namespace
}  // namespace wxfer
