#include "transport/window_bounds.hpp"

#include <string>

#include "common/error.hpp"

namespace wxfer {

void throw_put_does_not_fit(int peer, uint64_t offset, size_t bytes, const std::vector<uint64_t>& peer_bytes,
                            const char* transport) {
  if (peer < 0 || static_cast<size_t>(peer) >= peer_bytes.size())
    throw_system_error(std::string(transport) + " put",
                       "no rank " + std::to_string(peer) + " in a job of " + std::to_string(peer_bytes.size()));
  const uint64_t limit = peer_bytes[static_cast<size_t>(peer)];
  throw_system_error(std::string(transport) + " put",
                     "put of " + std::to_string(bytes) + " bytes at offset " + std::to_string(offset) + " does not fit in the " +
                         std::to_string(limit) + " bytes rank " + std::to_string(peer) + " exposed");
}

}  // namespace wxfer
