// Broadcast inside a subgroup (members not contiguous, root not first) and barriers.
#include <algorithm>
#include <chrono>
#include <thread>

#include "conformance_fixture.hpp"
#include "control/node_ranks.hpp"

namespace wxfer::test {
namespace {

// Every rank but rank 1 (with 3 or more ranks), not in rank order, the highest rank last:
// 4 ranks give {2, 0, 3}. Exercises non-contiguous members and a root that is not first.
std::vector<int> subgroup_members(int size) {
  std::vector<int> m;
  for (int r = 1; r < size; ++r)
    if (size < 3 || r != 1) m.push_back(r);
  m.insert(m.begin() + static_cast<long>(m.size() / 2), 0);
  return m;
}

TEST_P(TransportConformance, BroadcastInSubgroupWithRootNotFirst) {
  WXFER_REQUIRE_CAPABILITY(collectives);
  const std::vector<int> members = subgroup_members(size());
  const int root = members.back();
  auto group = transport().make_group(members);
  const bool member = std::find(members.begin(), members.end(), rank()) != members.end();
  ASSERT_EQ(group != nullptr, member);
  if (!member) return;
  EXPECT_EQ(group->members(), members);
  for (const size_t bytes : {size_t{0}, size_t{1}, size_t{100003}}) {
    SCOPED_TRACE(bytes);
    TestBuffer data = buffer(bytes);
    if (rank() == root) data.write(pattern(42 + bytes, bytes));
    Request r = transport().ibroadcast(*group, root, data.span());
    wait(r, Deadline::after(kTestDeadlineSeconds));
    EXPECT_EQ(data.read(), pattern(42 + bytes, bytes));
  }
}

TEST_P(TransportConformance, BroadcastOverAllRanksFromLastRank) {
  WXFER_REQUIRE_CAPABILITY(collectives);
  std::vector<int> all(static_cast<size_t>(size()));
  for (int r = 0; r < size(); ++r) all[static_cast<size_t>(r)] = r;
  auto group = transport().make_group(all);
  ASSERT_NE(group, nullptr);
  TestBuffer data = buffer(4099);
  if (rank() == size() - 1) data.write(pattern(7, 4099));
  Request r = transport().ibroadcast(*group, size() - 1, data.span());
  wait(r, Deadline::after(kTestDeadlineSeconds));
  EXPECT_EQ(data.read(), pattern(7, 4099));
}

// No rank leaves the barrier before the last one (which arrives late) entered it.
TEST_P(TransportConformance, BarrierHoldsEveryoneUntilTheLastArrives) {
  WXFER_REQUIRE_CAPABILITY(collectives);
  using Clock = std::chrono::steady_clock;
  if (rank() == size() - 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double entered = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  Request r = transport().ibarrier();
  wait(r, Deadline::after(kTestDeadlineSeconds));
  const double left = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  double last_entered = 0, first_left = 0;
  MPI_Allreduce(&entered, &last_entered, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  MPI_Allreduce(&left, &first_left, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
  // The steady clock is shared by processes of one host only.
  if (node_ranks(MPI_COMM_WORLD).single_host) {
    EXPECT_LE(last_entered, first_left);
  }
  // Back to back barriers must not mix up.
  std::vector<Request> again;
  for (int i = 0; i < 3; ++i) again.push_back(transport().ibarrier());
  wait_all(again, Deadline::after(kTestDeadlineSeconds));
}

}  // namespace
}  // namespace wxfer::test
