// The control plane as real MPI ranks: agreement, failures, groups, and deadline-bounded
// teardown that turns a missing peer into an error instead of a hang.
#include "control/control.hpp"

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace wxfer {
namespace {

TEST(Control, KnowsItsRanksAndHost) {
  const Control control(MPI_COMM_WORLD);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  EXPECT_EQ(control.rank(), rank);
  EXPECT_EQ(control.size(), size);
  EXPECT_TRUE(control.node().single_host);  // ctest starts every rank on this host
  EXPECT_EQ(control.node().local_size, size);
}

TEST(Control, ReducesOverEveryRank) {
  const Control control(MPI_COMM_WORLD);
  const Deadline deadline = Deadline::after(30);
  const int n = control.size(), r = control.rank();
  EXPECT_EQ(control.max(static_cast<uint64_t>(10 + r), deadline), static_cast<uint64_t>(10 + n - 1));
  EXPECT_EQ(control.min(static_cast<uint64_t>(10 + r), deadline), 10u);
  EXPECT_DOUBLE_EQ(control.max(-1.5 * r, deadline), 0.0);
  EXPECT_DOUBLE_EQ(control.sum(1.0 + r, deadline), n * (n + 1) / 2.0);
  control.barrier(deadline);
}

TEST(Control, NoFailureIsNoneEverywhere) {
  const Control control(MPI_COMM_WORLD);
  EXPECT_FALSE(control.first_failure(std::nullopt, Deadline::after(30)).has_value());
}

TEST(Control, RankZeroLearnsTheLowestFailingRanksText) {
  const Control control(MPI_COMM_WORLD);
  const int n = control.size(), r = control.rank();
  // The two highest ranks fail; the lower of them is the one rank 0 hears from.
  std::optional<std::string> mine;
  if (r >= n - 2 && r > 0) mine = "rank " + std::to_string(r) + " saw bad bytes";
  const auto first = control.first_failure(mine, Deadline::after(30));
  ASSERT_TRUE(first.has_value()) << "every rank must learn that some rank failed";
  const std::string expected = r == 0 ? "rank " + std::to_string(n >= 3 ? n - 2 : n - 1) + " saw bad bytes" : "";
  EXPECT_EQ(*first, expected);
}

TEST(Control, RankZerosOwnFailureNeedsNoMessage) {
  const Control control(MPI_COMM_WORLD);
  const std::optional<std::string> mine = control.rank() == 0 ? std::optional<std::string>("mine") : std::nullopt;
  const auto first = control.first_failure(mine, Deadline::after(30));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, control.rank() == 0 ? "mine" : "");
}

TEST(ControlGroup, MembersGetTheRootsValuesOthersNoGroup) {
  const Control control(MPI_COMM_WORLD);
  const int n = control.size(), r = control.rank();
  // Members in a non-trivial order: the last rank first, then the even ranks.
  std::vector<int> members{n - 1};
  for (int i = 0; i < n - 1; i += 2) members.push_back(i);
  auto group = control.make_group(members);
  const bool in = std::find(members.begin(), members.end(), r) != members.end();
  ASSERT_EQ(group != nullptr, in);
  if (group) {
    EXPECT_EQ(group->members(), members);
    const int root = members.back();
    std::vector<uint64_t> values;
    if (r == root) values = {7, 8, 9, static_cast<uint64_t>(root)};
    values = group->broadcast(values, root, Deadline::after(30));
    EXPECT_EQ(values, (std::vector<uint64_t>{7, 8, 9, static_cast<uint64_t>(root)}));
    group->close(Deadline::after(30));
  }
  control.barrier(Deadline::after(30));
}

// A rank that never closes: the others' close() ends with a timeout naming what it waited
// for, within its deadline, rather than waiting for ever; the late rank's close completes.
TEST(MpiComm, CloseWithoutAPeerTimesOut) {
  const Control control(MPI_COMM_WORLD);
  if (control.size() < 2) GTEST_SKIP() << "needs two ranks";
  MPI_Comm dup = MPI_COMM_NULL;
  ASSERT_EQ(MPI_Comm_dup(MPI_COMM_WORLD, &dup), MPI_SUCCESS);
  MpiComm comm(dup);
  if (control.rank() != 0) {
    const double t0 = MPI_Wtime();
    try {
      comm.close(Deadline::after(0.3));
      ADD_FAILURE() << "close() returned although rank 0 never closed";
    } catch (const SystemError& e) {
      EXPECT_NE(std::string(e.what()).find("timed out after 0.3 s waiting for every rank to be ready to free a communicator"),
                std::string::npos)
          << e.what();
    }
    EXPECT_LT(MPI_Wtime() - t0, 5.0);
    EXPECT_TRUE(comm.open()) << "a close that timed out must not free the communicator";
  }
  MPI_Barrier(MPI_COMM_WORLD);  // everyone else gave up: rank 0 closes late
  if (control.rank() == 0) {
    comm.close(Deadline::after(30));  // the abandoned barriers above match its own
    EXPECT_FALSE(comm.open());
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

}  // namespace
}  // namespace wxfer
