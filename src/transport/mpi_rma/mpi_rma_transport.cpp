#include "transport/mpi_rma/mpi_rma_transport.hpp"

#include "common/error.hpp"
#include "transport/mpi/mpi_requests.hpp"
#include "transport/window_bounds.hpp"

namespace wxfer {
namespace {

// One passive-target epoch for the window's whole life: puts need no action at the target,
// flush completes them remotely.
class MpiWindow final : public Window {
 public:
  MpiWindow(MemorySpan local, MPI_Comm comm) : local_(local) {
    MPI_Info info = MPI_INFO_NULL;
    WXFER_CHECK_MPI(MPI_Info_create(&info));
    // Puts never overlap and never race with local reads: let the library skip ordering.
    WXFER_CHECK_MPI(MPI_Info_set(info, "accumulate_ordering", "none"));
    WXFER_CHECK_MPI(MPI_Info_set(info, "same_disp_unit", "true"));
    const int rc = MPI_Win_create(local.data, static_cast<MPI_Aint>(local.bytes), 1, info, comm, &win_);
    MPI_Info_free(&info);
    WXFER_CHECK_MPI(rc);
    WXFER_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_));
    // Every rank's size, so that a put past the end is our error, not a fatal MPI one.
    int n = 0;
    WXFER_CHECK_MPI(MPI_Comm_size(comm, &n));
    uint64_t mine = local.bytes;
    peer_bytes_.resize(static_cast<size_t>(n));
    WXFER_CHECK_MPI(MPI_Allgather(&mine, 1, MPI_UINT64_T, peer_bytes_.data(), 1, MPI_UINT64_T, comm));
  }
  ~MpiWindow() override {
    MPI_Win_unlock_all(win_);
    MPI_Win_free(&win_);
  }
  void put(int peer, uint64_t offset, const void* src, size_t bytes) override {
    check_put_fits(peer, offset, bytes, peer_bytes_, "mpi-rma");
    const auto* base = static_cast<const uint8_t*>(src);
    for_each_piece(bytes, [&](size_t off, int n) {
      WXFER_CHECK_MPI(MPI_Put(base + off, n, MPI_BYTE, peer, static_cast<MPI_Aint>(offset + off), n, MPI_BYTE, win_));
    });
  }
  void flush(const Deadline&) override {
    // MPI has no non-blocking flush; it completes without the target's help (or, on
    // software RMA, with the help of targets that poll MPI, as ours do while they wait).
    WXFER_CHECK_MPI(MPI_Win_flush_all(win_));
  }
  MemorySpan local() const override { return local_; }

 private:
  MemorySpan local_;
  MPI_Win win_ = MPI_WIN_NULL;
  std::vector<uint64_t> peer_bytes_;
};

}  // namespace

TransportCapabilities MpiRmaTransport::capabilities() const {
  TransportCapabilities c = MpiTransport::capabilities();
  c.one_sided = true;
  return c;
}

std::unique_ptr<Window> MpiRmaTransport::expose(MemorySpan local) {
  if (local.kind != MemoryKind::host) throw_system_error("MpiRmaTransport::expose", "mpi-rma exposes host memory only");
  return std::make_unique<MpiWindow>(local, comm());
}

std::unique_ptr<Transport> make_mpi_rma_transport(const Bootstrap& bootstrap) {
  return std::make_unique<MpiRmaTransport>(bootstrap);
}

}  // namespace wxfer
