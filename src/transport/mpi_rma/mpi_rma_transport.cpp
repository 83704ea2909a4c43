#include "transport/mpi_rma/mpi_rma_transport.hpp"

#include <cstring>
#include <limits>
#include <span>
#include <string>

#include "common/error.hpp"
#include "common/process.hpp"
#include "control/mpi_requests.hpp"
#include "control/node_ranks.hpp"
#include "transport/window_bounds.hpp"

namespace wxfer {
namespace {

// Puts never overlap and never race with local reads: let the library skip ordering.
class MpiInfo {
 public:
  MpiInfo() {
    WXFER_CHECK_MPI(MPI_Info_create(&info_));
    set("accumulate_ordering", "none");
    set("same_disp_unit", "true");
  }
  ~MpiInfo() { MPI_Info_free(&info_); }
  MpiInfo(const MpiInfo&) = delete;
  MpiInfo& operator=(const MpiInfo&) = delete;
  void set(const char* key, const char* value) { WXFER_CHECK_MPI(MPI_Info_set(info_, key, value)); }
  MPI_Info get() const { return info_; }

 private:
  MPI_Info info_ = MPI_INFO_NULL;
};

// One passive-target epoch for the window's whole life: puts need no action at the target,
// flush completes them remotely.
class MpiWindow final : public Window {
 public:
  // Over memory the caller owns (MPI_Win_create).
  MpiWindow(MemorySpan local, MPI_Comm comm, OpLog& ops) : local_(local), ops_(ops) {
    MpiInfo info;
    MPI_Win win = MPI_WIN_NULL;
    WXFER_CHECK_MPI(MPI_Win_create(local.data, static_cast<MPI_Aint>(local.bytes), 1, info.get(), comm, &win));
    win_ = MpiWin(win, comm);
    WXFER_CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));  // as allocate_window's
    start(comm);
  }
  // Over memory MPI allocates (allocate_window); `direct`: puts are the origin's own copies
  // into the peers' shared memory (shared windows only).
  MpiWindow(uint64_t bytes, MPI_Comm comm, bool shared, bool direct, OpLog& ops) : ops_(ops) {
    MPI_Win win = MPI_WIN_NULL;
    local_ = {allocate_window(comm, bytes, shared, &win), bytes, MemoryKind::host, -1};
    win_ = MpiWin(win, comm);
    start(comm);
    if (direct) {
      WXFER_ASSERT(shared);
      peer_base_.resize(peer_bytes_.size());
      for (size_t r = 0; r < peer_base_.size(); ++r) {
        MPI_Aint size = 0;
        int unit = 0;
        void* base = nullptr;
        WXFER_CHECK_MPI(MPI_Win_shared_query(win_.get(), static_cast<int>(r), &size, &unit, &base));
        peer_base_[r] = static_cast<uint8_t*>(base);
      }
    }
  }
  void close(const Deadline& deadline) override {
    if (!win_.open()) return;
    WXFER_CHECK_MPI(MPI_Win_unlock_all(win_.get()));
    win_.close(deadline);
  }
  void put(int peer, uint64_t offset, const void* src, size_t bytes) override {
    check_put_fits(peer, offset, bytes, peer_bytes_, "mpi-rma");
    if (!peer_base_.empty()) {
      if (bytes > 0) std::memcpy(peer_base_[static_cast<size_t>(peer)] + offset, src, bytes);
      ops_.count(OpKind::put, bytes);
      return;
    }
    const auto* base = static_cast<const uint8_t*>(src);
    for_each_piece(bytes, [&](size_t off, int n) {
      WXFER_CHECK_MPI(MPI_Put(base + off, n, MPI_BYTE, peer, static_cast<MPI_Aint>(offset + off), n, MPI_BYTE, win_.get()));
      ops_.count(OpKind::put, static_cast<uint64_t>(n));
    });
  }
  void put_strided(int peer, uint64_t offset, const void* src, size_t rows, size_t row_bytes, size_t src_stride) override {
    if (!peer_base_.empty()) {
      check_put_fits(peer, offset, rows * row_bytes, peer_bytes_, "mpi-rma");
      const StridedBox box{peer, offset, src, rows, row_bytes, src_stride};
      copy_interleaved(std::span<const StridedBox>(&box, 1));
      return;
    }
    constexpr size_t kMaxCount = static_cast<size_t>(std::numeric_limits<int>::max());
    if (rows <= 1 || row_bytes == src_stride || rows * row_bytes > kMaxCount || src_stride > kMaxCount) {
      Window::put_strided(peer, offset, src, rows, row_bytes, src_stride);  // contiguous, or past MPI's counts
      return;
    }
    check_put_fits(peer, offset, rows * row_bytes, peer_bytes_, "mpi-rma");
    // One put of an hvector: osc/sm copies it row by row, with no staging and one call.
    BoxType box;
    WXFER_CHECK_MPI(MPI_Type_create_hvector(static_cast<int>(rows), static_cast<int>(row_bytes),
                                            static_cast<MPI_Aint>(src_stride), MPI_BYTE, &box.type));
    WXFER_CHECK_MPI(MPI_Type_commit(&box.type));
    WXFER_CHECK_MPI(
        MPI_Put(src, 1, box.type, peer, static_cast<MPI_Aint>(offset), static_cast<int>(rows * row_bytes), MPI_BYTE, win_.get()));
    ops_.count(OpKind::put, rows * row_bytes);
  }
  // ~10^6 rows a step: one bounds check per box and MPI_Put straight from the loop.
  void put_interleaved(std::span<const StridedBox> boxes) override {
    if (!peer_base_.empty()) {
      for (const StridedBox& b : boxes) {
        WXFER_ASSERT(b.rows == boxes[0].rows);
        check_put_fits(b.peer, b.offset, b.rows * b.row_bytes, peer_bytes_, "mpi-rma");
      }
      copy_interleaved(boxes);
      return;
    }
    constexpr size_t kMaxCount = static_cast<size_t>(std::numeric_limits<int>::max());
    for (const StridedBox& b : boxes) {
      if (b.rows != boxes[0].rows || b.row_bytes > kMaxCount) {
        Window::put_interleaved(boxes);  // checks and puts row by row
        return;
      }
      check_put_fits(b.peer, b.offset, b.rows * b.row_bytes, peer_bytes_, "mpi-rma");
    }
    if (boxes.empty()) return;
    for (const StridedBox& b : boxes) ops_.count(OpKind::put, b.rows * b.row_bytes, b.rows);
    for (size_t r = 0; r < boxes[0].rows; ++r)
      for (const StridedBox& b : boxes) {
        const int n = static_cast<int>(b.row_bytes);
        WXFER_CHECK_MPI(MPI_Put(static_cast<const uint8_t*>(b.src) + r * b.src_stride, n, MPI_BYTE, b.peer,
                                static_cast<MPI_Aint>(b.offset + r * b.row_bytes), n, MPI_BYTE, win_.get()));
      }
  }
  void flush(const Deadline&) override {
    // Direct copies are complete when they return; the sync orders them before the commit
    // that tells the targets (MPI-3's separate-memory-model rule for load/store access).
    if (!peer_base_.empty()) {
      WXFER_CHECK_MPI(MPI_Win_sync(win_.get()));
      return;
    }
    // MPI has no non-blocking flush; it completes without the target's help (or, on
    // software RMA, with the help of targets that poll MPI, as ours do while they wait).
    WXFER_CHECK_MPI(MPI_Win_flush_all(win_.get()));
  }
  MemorySpan local() const override { return local_; }

 private:
  // A put's origin datatype; freed when the call returns (the pending put keeps its own reference).
  struct BoxType {
    BoxType() = default;
    ~BoxType() {
      if (type != MPI_DATATYPE_NULL) MPI_Type_free(&type);
    }
    BoxType(const BoxType&) = delete;
    BoxType& operator=(const BoxType&) = delete;
    MPI_Datatype type = MPI_DATATYPE_NULL;
  };
  // One copy per box (a 2-D copy, as cudaMemcpy2D), row r of every box before row r + 1 of
  // any, so that column boxes of the same source rows read the source in order.
  void copy_interleaved(std::span<const StridedBox> boxes) {
    if (boxes.empty()) return;
    for (const StridedBox& b : boxes) ops_.count(OpKind::put, b.rows * b.row_bytes);
    for (size_t r = 0; r < boxes[0].rows; ++r)
      for (const StridedBox& b : boxes)
        std::memcpy(peer_base_[static_cast<size_t>(b.peer)] + b.offset + r * b.row_bytes,
                    static_cast<const uint8_t*>(b.src) + r * b.src_stride, b.row_bytes);
  }
  void start(MPI_Comm comm) {
    WXFER_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_.get()));
    // Every rank's size, so that a put past the end is our error, not a fatal MPI one.
    int n = 0;
    WXFER_CHECK_MPI(MPI_Comm_size(comm, &n));
    uint64_t mine = local_.bytes;
    peer_bytes_.resize(static_cast<size_t>(n));
    WXFER_CHECK_MPI(MPI_Allgather(&mine, 1, MPI_UINT64_T, peer_bytes_.data(), 1, MPI_UINT64_T, comm));
  }

  MemorySpan local_;
  MpiWin win_;
  std::vector<uint64_t> peer_bytes_;
  std::vector<uint8_t*> peer_base_;  // direct puts: every rank's part of the shared window
  OpLog& ops_;
};

}  // namespace

MpiWindowFlavor window_flavor_from_environment() {
  const std::string value = environment_choice("WXFER_MPI_RMA_WINDOW", {"auto", "shared", "allocate"});
  return value == "shared"     ? MpiWindowFlavor::shared
         : value == "allocate" ? MpiWindowFlavor::allocate
                               : MpiWindowFlavor::automatic;
}

bool use_shared_windows(bool one_host) {
  const MpiWindowFlavor flavor = window_flavor_from_environment();
  if (flavor == MpiWindowFlavor::shared && !one_host)
    throw_usage("invalid WXFER_MPI_RMA_WINDOW 'shared': the ranks span more than one host");
  return flavor != MpiWindowFlavor::allocate && one_host;
}

bool use_direct_puts(bool shared_windows) {
  const std::string value = environment_choice("WXFER_MPI_RMA_PUTS", {"auto", "direct", "mpi"});
  if (value == "direct" && !shared_windows)
    throw_usage(
        "invalid WXFER_MPI_RMA_PUTS 'direct': the windows are not shared (WXFER_MPI_RMA_WINDOW, or ranks on several hosts)");
  return value != "mpi" && shared_windows;
}

bool use_shared_windows(MPI_Comm comm) { return use_shared_windows(node_ranks(comm).single_host); }

void* allocate_window(MPI_Comm comm, uint64_t bytes, bool shared, MPI_Win* win) {
  MpiInfo info;
  void* base = nullptr;
  if (shared) {
    // osc/sm: a put is the same memcpy as under MPI_Win_allocate (osc/rdma maps a node's
    // windows shared too) behind less CPU per call, which matters at a put per row.
    info.set("alloc_shared_noncontig", "true");  // each rank's part page-aligned
    WXFER_CHECK_MPI(MPI_Win_allocate_shared(static_cast<MPI_Aint>(bytes), 1, info.get(), comm, &base, win));
  } else {
    const int rc = MPI_Win_allocate(static_cast<MPI_Aint>(bytes), 1, info.get(), comm, &base, win);
    // Open MPI without an RDMA network has no default one-sided component across hosts.
    if (rc != MPI_SUCCESS)
      throw_system_error("MPI_Win_allocate", mpi_error_string(rc) +
                                                 " (where ranks span hosts without an RDMA network, Open MPI 4 "
                                                 "needs --mca osc pt2pt or ucx; or run a two-sided strategy)");
  }
  // A window does not inherit its communicator's error handler: errors come back as codes
  // (WXFER_CHECK_MPI throws) rather than as the library's abort.
  WXFER_CHECK_MPI(MPI_Win_set_errhandler(*win, MPI_ERRORS_RETURN));
  return base;
}

MpiRmaTransport::MpiRmaTransport(const Control& control)
    : MpiTransport(control), shared_windows_(use_shared_windows(single_host())), direct_puts_(use_direct_puts(shared_windows_)) {}

std::map<std::string, std::string> MpiRmaTransport::settings() const {
  auto s = MpiTransport::settings();
  s["windows"] = shared_windows_ ? "MPI_Win_allocate_shared" : "MPI_Win_allocate";
  s["puts"] = direct_puts_ ? "direct copies into the shared window" : "MPI_Put";
  return s;
}

TransportCapabilities MpiRmaTransport::capabilities() const {
  TransportCapabilities c = MpiTransport::capabilities();
  c.one_sided = true;
  // Within a node a put is a memcpy. Across nodes Open MPI hands puts to the network, where
  // a put per row costs a request (a round trip to the target on software RMA) each: there a
  // strided box goes out as one put of a derived datatype.
  c.cpu_copy_puts = single_host();
  return c;
}

std::unique_ptr<Window> MpiRmaTransport::expose(MemorySpan local) {
  if (local.kind != MemoryKind::host) throw_system_error("MpiRmaTransport::expose", "mpi-rma exposes host memory only");
  return std::make_unique<MpiWindow>(local, comm(), ops_);
}

std::unique_ptr<Window> MpiRmaTransport::expose_new(uint64_t bytes) {
  return std::make_unique<MpiWindow>(bytes, comm(), shared_windows_, direct_puts_, ops_);
}

std::unique_ptr<Transport> make_mpi_rma_transport(const Control& control) { return std::make_unique<MpiRmaTransport>(control); }

}  // namespace wxfer
