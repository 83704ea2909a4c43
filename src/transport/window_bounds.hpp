// Checks shared by every Window backend, so that all of them reject the same bad puts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wxfer {

// Throws a SystemError unless `peer` is a rank and [offset, offset + bytes) lies inside
// the `peer_bytes[peer]` bytes that peer exposed.
void check_put_fits(int peer, uint64_t offset, size_t bytes, const std::vector<uint64_t>& peer_bytes,
                    const char* transport);

}  // namespace wxfer
