// MPI one-sided RMA: windows, MPI_Put, passive-target synchronisation. The portable
// stand-in for RDMA WRITE: the target never takes part in a transfer.
#pragma once

#include "transport/mpi/mpi_transport.hpp"

namespace wxfer {

// The kind of MPI window expose_new makes over memory MPI allocates. shared:
// MPI_Win_allocate_shared, which Open MPI serves with osc/sm, a put being a memcpy after a
// few checks (its leanest put path: the rdma step makes ~10^6 row puts); allocate:
// MPI_Win_allocate (osc/rdma, also across hosts); automatic: shared where every rank shares
// one host, allocate otherwise.
enum class MpiWindowFlavor : uint8_t { automatic, shared, allocate };

// WXFER_MPI_RMA_WINDOW=auto|shared|allocate (default auto); a UsageError names a bad value.
MpiWindowFlavor window_flavor_from_environment();
// Whether windows over memory MPI allocates are shared-memory windows, as
// WXFER_MPI_RMA_WINDOW says, for ranks that all share one host or not (shared where the
// ranks span hosts: a UsageError); the second asks `comm` (collective).
bool use_shared_windows(bool one_host);
bool use_shared_windows(MPI_Comm comm);
// A window of `bytes` on this rank over `comm` (MPI_Win_allocate_shared, each rank's part
// page-aligned, or MPI_Win_allocate), puts unordered, errors returned as codes (not fatal);
// returns this rank's part. Collective.
void* allocate_window(MPI_Comm comm, uint64_t bytes, bool shared, MPI_Win* win);

// How puts into shared-memory windows are made. direct: the origin copies into the target's
// memory itself (MPI-3 shared memory: MPI_Win_shared_query's address, synchronised by
// MPI_Win_sync and the commit), one copy per box, rows of boxes interleaved; mpi: one
// MPI_Put per contiguous run (osc/sm does the same memcpy behind a call per row).
// WXFER_MPI_RMA_PUTS=auto|direct|mpi (auto: direct where windows are shared).
bool use_direct_puts(bool shared_windows);

class MpiRmaTransport final : public MpiTransport {
 public:
  explicit MpiRmaTransport(const Control& control);
  std::string_view name() const override { return "mpi-rma"; }
  TransportCapabilities capabilities() const override;
  std::unique_ptr<Window> expose(MemorySpan local) override;
  std::unique_ptr<Window> expose_new(uint64_t bytes) override;
  // Whether expose_new makes shared-memory windows (MPI_Win_allocate_shared).
  bool windows_shared() const { return shared_windows_; }
  // The mpi transport's, and "windows": MPI_Win_allocate_shared or MPI_Win_allocate.
  std::map<std::string, std::string> settings() const override;
  bool puts_need_target_progress() const override { return !single_host(); }

 private:
  bool shared_windows_ = false;
  bool direct_puts_ = false;
};

std::unique_ptr<Transport> make_mpi_rma_transport(const Control& control);

}  // namespace wxfer
