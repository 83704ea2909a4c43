// Splitting transfers into pieces, without allocating them: > 1 GiB messages are too big
// for CI memory, but their split is what could go wrong.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "common/pieces.hpp"
#include "control/mpi_requests.hpp"

namespace wxfer {
namespace {

using Pieces = std::vector<std::pair<size_t, size_t>>;

Pieces split(size_t total, size_t max_piece) {
  Pieces out;
  split_into_pieces(total, max_piece, [&](size_t offset, size_t n) { out.emplace_back(offset, n); });
  return out;
}

TEST(SplitIntoPieces, EmptyTransferIsOneEmptyPiece) { EXPECT_EQ(split(0, 10), (Pieces{{0, 0}})); }

TEST(SplitIntoPieces, ExactMultipleAndRemainder) {
  EXPECT_EQ(split(20, 10), (Pieces{{0, 10}, {10, 10}}));
  EXPECT_EQ(split(21, 10), (Pieces{{0, 10}, {10, 10}, {20, 1}}));
  EXPECT_EQ(split(9, 10), (Pieces{{0, 9}}));
}

TEST(SplitIntoPieces, PiecesCoverTheTransferContiguously) {
  const size_t total = (size_t{5} << 30) + 12345;  // 5 GiB and change
  const Pieces p = split(total, size_t{1} << 30);
  ASSERT_EQ(p.size(), 6u);
  size_t next = 0;
  for (const auto& [offset, n] : p) {
    EXPECT_EQ(offset, next);
    EXPECT_LE(n, size_t{1} << 30);
    EXPECT_GT(n, 0u);
    next += n;
  }
  EXPECT_EQ(next, total);
}

// MPI counts are int: every piece must fit one, and a 3 GiB message is four messages.
TEST(MpiPieces, LargeMessagesSplitIntoIntSizedPieces) {
  std::vector<std::pair<size_t, int>> got;
  const size_t total = (size_t{3} << 30) + 1;
  for_each_piece(total, [&](size_t offset, int n) { got.emplace_back(offset, n); });
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], std::make_pair(size_t{0}, 1 << 30));
  EXPECT_EQ(got[2], std::make_pair(size_t{2} << 30, 1 << 30));
  EXPECT_EQ(got[3], std::make_pair(size_t{3} << 30, 1));
}

TEST(MpiPieces, EmptyMessageIsStillPosted) {
  int calls = 0;
  for_each_piece(0, [&](size_t offset, int n) {
    EXPECT_EQ(offset, 0u);
    EXPECT_EQ(n, 0);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace wxfer
