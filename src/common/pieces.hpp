// Splitting one transfer into pieces a library accepts (MPI counts are int, an RDMA work
// request is limited by the port's max_msg_sz).
#pragma once

#include <algorithm>
#include <cstddef>

namespace wxfer {

// Calls post(offset, bytes) for consecutive pieces of at most `max_piece` bytes covering
// [0, total); exactly once with (0, 0) when total is 0, so that empty messages still match.
template <class Post>
void split_into_pieces(size_t total, size_t max_piece, Post&& post) {
  size_t offset = 0;
  do {
    const size_t n = std::min(max_piece, total - offset);
    post(offset, n);
    offset += n;
  } while (offset < total);
}

// MPI counts are int: larger messages travel as several pieces of at most this size.
inline constexpr size_t kMpiMaxPiece = size_t{1} << 30;

// Calls post(offset, count) for each MPI piece of [0, bytes), at least once.
template <class Post>
void for_each_piece(size_t bytes, Post&& post) {
  split_into_pieces(bytes, kMpiMaxPiece, [&](size_t offset, size_t n) { post(offset, static_cast<int>(n)); });
}

}  // namespace wxfer
