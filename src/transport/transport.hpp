// The one interface strategies move bytes through. A backend (one folder each: mpi,
// mpi_rma, nccl, verbs, cuda_ipc) implements what it can and says so in capabilities();
// the harness checks them before use.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/request.hpp"
#include "transport/memory.hpp"
#include "transport/op_log.hpp"

namespace wxfer {

struct TransportCapabilities {
  bool two_sided = false;    // isend / irecv
  bool collectives = false;  // broadcast inside a group, barrier
  bool one_sided = false;    // put into a peer's exposed memory, no receiver involvement
  bool host_memory = true;
  bool device_memory = false;  // CUDA device memory (GPUDirect)
  // irecv matches by tag as well as by peer, and an abandoned irecv is cancelled (MPI).
  // Without it, messages between two ranks match in posting order and tags are ignored.
  bool tag_matching = false;
  // A put is a copy by the origin's CPU (MPI shared-memory windows): the order in which it
  // reads the source decides its speed, so strided sources are best read row by row across
  // boxes. A NIC or a copy engine reads a strided box as fast in one request.
  bool cpu_copy_puts = false;

  bool operator==(const TransportCapabilities&) const = default;
};

// Thrown (on every rank alike) when a transport cannot run with this job's placement:
// ranks on several hosts for CUDA IPC, more ranks than GPUs on a node for NCCL.
class TransportUnavailable : public UsageError {
 public:
  using UsageError::UsageError;
};

// Collective teardown is explicit: close(deadline) on the normal path releases what the
// ranks share (communicators, windows, registrations), a barrier first so that a stuck peer
// is a timeout error rather than a hang. Destructors make no collective call.

// A subset of ranks that broadcast among themselves.
class Group {
 public:
  virtual ~Group() = default;
  const std::vector<int>& members() const { return members_; }  // world ranks
  // Collective over the members.
  virtual void close(const Deadline&) {}

 protected:
  explicit Group(std::vector<int> members) : members_(std::move(members)) {}

 private:
  std::vector<int> members_;
};

// `rows` runs of `row_bytes`, `src_stride` bytes apart at the source, that land back to back
// at `offset` in `peer`'s exposed memory.
struct StridedBox {
  int peer = 0;
  uint64_t offset = 0;
  const void* src = nullptr;
  size_t rows = 0, row_bytes = 0, src_stride = 0;
};

// Memory a rank exposed for remote writes (RDMA WRITE, MPI_Put, CUDA IPC).
class Window {
 public:
  virtual ~Window() = default;
  // Starts writing src[0, bytes) into `peer`'s exposed memory at `offset`; `src` must stay
  // unchanged until flush() returns. A put that does not fit in the peer's exposed memory
  // throws a SystemError before anything moves.
  virtual void put(int peer, uint64_t offset, const void* src, size_t bytes) = 0;
  // The same for `rows` runs of `row_bytes`, `src_stride` bytes apart at the source and back
  // to back at the target (a column box of a row-major tensor into a packed slice), without
  // staging them: one strided RDMA WRITE (a gather list), MPI_Put of an hvector, a 2D copy.
  // Default: one put per row.
  virtual void put_strided(int peer, uint64_t offset, const void* src, size_t rows, size_t row_bytes, size_t src_stride);
  // Boxes with the same number of rows: row r of every box goes before row r + 1 of any, so
  // that a transport whose puts are CPU copies reads column boxes of the same source rows in
  // order. A box that does not fit throws a SystemError (the MPI window checks every box
  // before anything moves; the default, put() row by row, checks each row).
  virtual void put_interleaved(std::span<const StridedBox> boxes);
  // Completes, at their targets, every put this rank issued.
  virtual void flush(const Deadline& deadline) = 0;
  virtual MemorySpan local() const = 0;
  // Collective over the ranks that exposed it together.
  virtual void close(const Deadline&) {}
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual std::string_view name() const = 0;
  virtual TransportCapabilities capabilities() const = 0;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  // Two-sided: the receiver posts a matching irecv (same peer and tag).
  virtual Request isend(int peer, MemorySpan data, int tag);
  virtual Request irecv(int peer, MemorySpan data, int tag);
  // Collective over all ranks; ranks outside `members` get nullptr.
  virtual std::unique_ptr<Group> make_group(const std::vector<int>& members);
  // Every member calls it with the same root (a world rank) and size.
  virtual Request ibroadcast(Group& group, int root, MemorySpan data);
  // All ranks.
  virtual Request ibarrier();
  // Collective over all ranks (a rank may expose 0 bytes).
  virtual std::unique_ptr<Window> expose(MemorySpan local);
  // Collective: allocates `bytes` of host memory that this transport writes into fastest
  // and exposes it; the window owns it (local()). MPI allocates it with the window
  // (shared memory within a node, so a put is one memcpy), as an engine would allocate its
  // weights in registered memory. Default: plain memory, then expose().
  virtual std::unique_ptr<Window> expose_new(uint64_t bytes);
  // How this transport moves bytes in this job where it chose among ways (a broadcast tree,
  // a kind of window), by name; run files record it (params.transport_settings).
  virtual std::map<std::string, std::string> settings() const { return {}; }
  // Whether a put into a peer's window lands only as the peer calls into the library: MPI
  // windows across hosts without an RDMA network (Open MPI emulates one-sided operations
  // with messages over TCP). Receivers of a one-sided update then poll longer before napping.
  virtual bool puts_need_target_progress() const { return false; }
  // Collective over all ranks, after every group and window it made is closed.
  virtual void close(const Deadline&) {}
  // What this transport and its windows issued (the harness takes it after every step).
  virtual OpLog& ops() { return ops_; }

 protected:
  [[noreturn]] void unsupported(const char* what) const;
  OpLog ops_;
};

}  // namespace wxfer
