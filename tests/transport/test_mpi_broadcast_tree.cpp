// The mpi transport's two ways of broadcasting (WXFER_MPI_BROADCAST): one host runs both,
// whichever the automatic choice would pick, so that each is checked here.
#include <gtest/gtest.h>
#include <mpi.h>

#include <string>

#include "common/error.hpp"
#include "common/scoped_environment.hpp"
#include "test_buffer.hpp"
#include "transport/mpi/mpi_transport.hpp"

namespace wxfer::test {
namespace {

class MpiBroadcastTreeTest : public testing::TestWithParam<const char*> {};

TEST_P(MpiBroadcastTreeTest, EveryRootReachesEveryMemberAtEverySize) {
  const ScopedEnvironment setting("WXFER_MPI_BROADCAST", GetParam());
  const Control control(MPI_COMM_WORLD);
  MpiTransport transport(control);
  const int size = transport.size(), rank = transport.rank();
  // All ranks, last rank first: group rank i is not world rank i.
  std::vector<int> members;
  for (int r = size - 1; r >= 0; --r) members.push_back(r);
  auto group = transport.make_group(members);
  ASSERT_NE(group, nullptr);
  for (int root = 0; root < size; ++root) {
    for (size_t bytes : {size_t{0}, size_t{1}, size_t{4099}, size_t{3} << 20}) {
      SCOPED_TRACE("root " + std::to_string(root) + ", " + std::to_string(bytes) + " bytes");
      TestBuffer data(MemoryKind::host, bytes);
      const std::vector<uint8_t> expected = pattern(1000 * static_cast<uint64_t>(root) + bytes, bytes);
      if (rank == root) data.write(expected);
      // Two broadcasts in flight from the same root keep their order.
      TestBuffer second(MemoryKind::host, bytes);
      if (rank == root) second.write(pattern(7 + bytes, bytes));
      Request first = transport.ibroadcast(*group, root, data.span());
      Request next = transport.ibroadcast(*group, root, second.span());
      wait(next, Deadline::after(60.0));
      wait(first, Deadline::after(60.0));
      EXPECT_EQ(data.read(), expected);
      EXPECT_EQ(second.read(), pattern(7 + bytes, bytes));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Trees, MpiBroadcastTreeTest, testing::Values("flat", "mpi", "auto"),
                         [](const testing::TestParamInfo<const char*>& tree) { return std::string(tree.param); });

TEST(MpiBroadcastTree, BadSettingIsAUsageErrorNamingIt) {
  const ScopedEnvironment setting("WXFER_MPI_BROADCAST", "binomial");
  const Control control(MPI_COMM_WORLD);
  try {
    MpiTransport transport(control);
    FAIL() << "WXFER_MPI_BROADCAST=binomial was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("WXFER_MPI_BROADCAST 'binomial'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace wxfer::test
