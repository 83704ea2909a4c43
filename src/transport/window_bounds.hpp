// Checks shared by every Window backend, so that all of them reject the same bad puts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wxfer {

// Throws the SystemError that says why check_put_fits refused the put.
[[noreturn]] void throw_put_does_not_fit(int peer, uint64_t offset, size_t bytes, const std::vector<uint64_t>& peer_bytes,
                                         const char* transport);

// Throws a SystemError unless `peer` is a rank and [offset, offset + bytes) lies inside
// the `peer_bytes[peer]` bytes that peer exposed. Inline: a step makes ~10^6 puts of rows.
inline void check_put_fits(int peer, uint64_t offset, size_t bytes, const std::vector<uint64_t>& peer_bytes,
                           const char* transport) {
  if (peer >= 0 && static_cast<size_t>(peer) < peer_bytes.size()) {
    const uint64_t limit = peer_bytes[static_cast<size_t>(peer)];
    // Written so that it cannot overflow: offset + bytes may exceed 2^64.
    if (offset <= limit && bytes <= limit - offset) return;
  }
  throw_put_does_not_fit(peer, offset, bytes, peer_bytes, transport);
}

}  // namespace wxfer
