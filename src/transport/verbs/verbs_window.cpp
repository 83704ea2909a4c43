#include "transport/verbs/verbs_window.hpp"

#include <cstring>

#include "common/pieces.hpp"
#include "control/mpi_comm.hpp"
#include "transport/window_bounds.hpp"

namespace wxfer {

VerbsWindow::VerbsWindow(MemorySpan local, const Control& control, VerbsEndpoint& endpoint, VerbsSourceRegions& sources,
                         OpLog& ops)
    : local_(local), comm_(control.comm()), endpoint_(endpoint), sources_(sources), ops_(ops) {
  Remote mine{reinterpret_cast<uintptr_t>(local.data), local.bytes, 0, 0};
  if (local.bytes != 0) {
    region_ =
        register_memory(endpoint.protection_domain(), local.data, local.bytes, IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE);
    mine.rkey = region_->rkey;
  }
  std::vector<uint8_t> bytes(sizeof mine);
  std::memcpy(bytes.data(), &mine, sizeof mine);
  for (const auto& theirs : control.all_gather(bytes)) {
    Remote r{};
    std::memcpy(&r, theirs.data(), sizeof r);
    remotes_.push_back(r);
    remote_bytes_.push_back(r.bytes);
  }
}

// Peers may still be writing until every rank is here: only then is the region released.
void VerbsWindow::close(const Deadline& deadline) {
  barrier_before(comm_, "deregister a window", deadline);
  region_.reset();
}

void VerbsWindow::put(int peer, uint64_t offset, const void* src, size_t bytes) {
  check_put_fits(peer, offset, bytes, remote_bytes_, "verbs");
  if (bytes == 0) return;
  const Remote& r = remotes_[static_cast<size_t>(peer)];
  const uint32_t lkey = sources_.local_key(src, bytes);
  const auto* base = static_cast<const uint8_t*>(src);
  split_into_pieces(bytes, endpoint_.max_write_bytes(), [&](size_t off, size_t n) {
    endpoint_.post_write(peer, base + off, lkey, r.addr + offset + off, r.rkey, n);
    ops_.count(OpKind::put, n);
  });
}

}  // namespace wxfer
