#include "harness/mpi_probe.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/stats.hpp"
#include "control/control.hpp"
#include "control/mpi_comm.hpp"
#include "harness/clock.hpp"
#include "harness/time_window.hpp"
#include "transport/memory.hpp"
#include "transport/mpi/mpi_transport.hpp"
#include "transport/mpi_rma/mpi_rma_transport.hpp"

namespace wxfer {
namespace {

constexpr size_t kPiece = size_t{8} << 20;  // the run's default chunk size
constexpr int kRounds = 4;
// A probe's wait on the transport: generous, as `wxfer run --timeout`'s default.
constexpr double kProbeDeadlineSeconds = 300;
// Put sources start 64 bytes into a page, off the page offset of their targets (MPI-allocated
// windows, page-aligned): a copy between equal page offsets runs several times slower on
// some CPUs (glibc's rep movsb path; see kCopySourceOffset).
constexpr size_t kSourceOffset = 64;

struct Comm {
  MPI_Comm comm;
  int rank = 0, size = 1;
  explicit Comm(MPI_Comm c) : comm(c) {
    WXFER_CHECK_MPI(MPI_Comm_rank(c, &rank));
    WXFER_CHECK_MPI(MPI_Comm_size(c, &size));
  }
  int half() const { return size / 2; }
  bool sender() const { return rank < half(); }
  int partner() const { return sender() ? rank + half() : rank - half(); }
  bool paired() const { return rank < 2 * half(); }
};

// A put probe's memory: `source_bytes` of source starting kSourceOffset into a page, and
// `window_bytes` exposed in a window MPI allocates, of the kind the rdma strategy's
// receivers expose theirs in (mpi-rma's expose_new, WXFER_MPI_RMA_WINDOW); one
// passive-target epoch for the probe's life.
class PutProbeMemory {
 public:
  PutProbeMemory(MPI_Comm comm, size_t source_bytes, size_t window_bytes) : source_(source_bytes + kSourceOffset) {
    std::memset(source_.data() + kSourceOffset, 1, source_bytes);
    MPI_Win win = MPI_WIN_NULL;
    void* target = allocate_window(comm, window_bytes, use_shared_windows(comm), &win);
    if (window_bytes > 0) std::memset(target, 0, window_bytes);
    win_ = MpiWin(win, comm);
    WXFER_CHECK_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, win));
  }
  // Collective; a probe that failed skips it (no collective call in a destructor).
  void close() {
    if (!win_.open()) return;
    WXFER_CHECK_MPI(MPI_Win_unlock_all(win_.get()));
    win_.close(Deadline::after(kProbeDeadlineSeconds));
  }
  PutProbeMemory(const PutProbeMemory&) = delete;
  PutProbeMemory& operator=(const PutProbeMemory&) = delete;
  const uint8_t* source() const { return source_.data() + kSourceOffset; }
  MPI_Win window() const { return win_.get(); }

 private:
  HostBuffer source_;
  MpiWin win_;
};

// Median over repeats of the slowest rank's time for `body` (run by every rank at once).
double median_seconds(const Comm& c, int repeats, const std::function<void()>& body) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    WXFER_CHECK_MPI(MPI_Barrier(c.comm));
    const double t0 = now_seconds();
    body();
    double mine = now_seconds() - t0, slowest = 0;
    WXFER_CHECK_MPI(MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, c.comm));
    times.push_back(slowest);
  }
  return median(times);
}

// `exchange(bytes, active)`: one message from each active sender to its partner.
LinkProbe probe_pairs(const Comm& c, size_t bytes, int repeats, const std::function<void(size_t bytes, bool active)>& exchange) {
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  LinkProbe p;
  // Every pair streams kRounds messages in a row: a window long enough to average the
  // scheduler's time slices when ranks outnumber cores.
  const double all = median_seconds(c, repeats, [&] {
    for (int i = 0; i < kRounds; ++i) exchange(bytes, c.paired());
  });
  p.concurrent = static_cast<double>(bytes) * kRounds * c.half() / all;
  const double one = median_seconds(c, repeats, [&] { exchange(bytes, c.rank == 0 || c.rank == c.half()); });
  p.alone = static_cast<double>(bytes) / one;
  // Latency: two small messages back to back, so that the barrier's skew weighs half.
  const double two = median_seconds(c, repeats * 4, [&] {
    exchange(8, c.rank == 0 || c.rank == c.half());
    exchange(8, c.rank == 0 || c.rank == c.half());
  });
  p.latency = two / 2;
  return p;
}

}  // namespace

LinkProbe probe_send(MPI_Comm comm, size_t bytes, int repeats) {
  const Comm c(comm);
  HostBuffer buf(bytes);
  std::memset(buf.data(), 1, bytes);
  return probe_pairs(c, bytes, repeats, [&](size_t n, bool active) {
    if (!active) return;
    // As the strategies send: chunk-sized messages, all outstanding at once.
    std::vector<MPI_Request> reqs;
    for (size_t at = 0; at < n; at += kPiece) {
      const int len = static_cast<int>(std::min(kPiece, n - at));
      reqs.emplace_back();
      if (c.sender())
        WXFER_CHECK_MPI(MPI_Isend(buf.data() + at, len, MPI_BYTE, c.partner(), 7, comm, &reqs.back()));
      else
        WXFER_CHECK_MPI(MPI_Irecv(buf.data() + at, len, MPI_BYTE, c.partner(), 7, comm, &reqs.back()));
    }
    WXFER_CHECK_MPI(MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE));
  });
}

LinkProbe probe_put(MPI_Comm comm, size_t bytes, int repeats) {
  const Comm c(comm);
  PutProbeMemory memory(comm, bytes, bytes);
  const uint8_t* src = memory.source();
  MPI_Win win = memory.window();
  // The receiver learns of the data by a zero-byte message after the flush, as the rdma
  // strategy's commit does.
  const LinkProbe p = probe_pairs(c, bytes, repeats, [&](size_t n, bool active) {
    if (!active) return;
    if (c.sender()) {
      // As the rdma strategy writes a chunk: chunk-sized puts, then one flush.
      for (size_t at = 0; at < n; at += kPiece) {
        const int len = static_cast<int>(std::min(kPiece, n - at));
        WXFER_CHECK_MPI(MPI_Put(src + at, len, MPI_BYTE, c.partner(), static_cast<MPI_Aint>(at), len, MPI_BYTE, win));
      }
      WXFER_CHECK_MPI(MPI_Win_flush(c.partner(), win));
      WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.partner(), 8, comm));
    } else {
      WXFER_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, c.partner(), 8, comm, MPI_STATUS_IGNORE));
    }
  });
  memory.close();
  return p;
}

double probe_put_all_to_all(MPI_Comm comm, size_t bytes, double clock_offset, int repeats, double window_seconds) {
  const Comm c(comm);
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  const auto receivers = static_cast<size_t>(c.size - c.half());
  const size_t chunks = std::max<size_t>(1, bytes / kPiece);
  const size_t piece = kPiece / receivers;  // of one chunk, to each receiver
  // Each sender owns `chunks` pieces in every receiver's window.
  PutProbeMemory memory(comm, c.sender() ? chunks * kPiece : 0, c.sender() ? 0 : piece * chunks * static_cast<size_t>(c.half()));
  const uint8_t* src = memory.source();
  MPI_Win win = memory.window();
  std::vector<double> rates;
  for (int i = 0; i < repeats; ++i) {
    const TimeWindow w = open_shared_window(comm, clock_offset, window_seconds);
    double moved = 0;
    if (c.sender()) {
      size_t k = 0;
      moved = bytes_within(w.stop, static_cast<double>(piece * receivers), [&] {
        const size_t at = (static_cast<size_t>(c.rank) * chunks + k) * piece;
        for (size_t j = 0; j < receivers; ++j)
          WXFER_CHECK_MPI(MPI_Put(src + k * kPiece + j * piece, static_cast<int>(piece), MPI_BYTE, c.half() + static_cast<int>(j),
                                  static_cast<MPI_Aint>(at), static_cast<int>(piece), MPI_BYTE, win));
        WXFER_CHECK_MPI(MPI_Win_flush_all(win));
        k = (k + 1) % chunks;
      });
    } else {
      while (now_seconds() < w.stop) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    double total = 0;
    WXFER_CHECK_MPI(MPI_Allreduce(&moved, &total, 1, MPI_DOUBLE, MPI_SUM, comm));
    rates.push_back(total / window_seconds);
  }
  memory.close();
  return median(rates);
}

StridedPutProbe probe_put_strided(MPI_Comm comm, size_t bytes, size_t row_bytes, double share, int repeats) {
  const Comm c(comm);
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  WXFER_ASSERT(row_bytes > 0 && share > 0 && share < 1);
  const auto receivers = static_cast<size_t>(c.size - c.half());
  const size_t chunks = std::max<size_t>(1, bytes / kPiece);
  const size_t per_receiver = kPiece / receivers;  // of one chunk, all contiguous
  // Mixed: per chunk and receiver `contiguous` bytes, then `rows` rows of row_bytes.
  const auto contiguous = static_cast<size_t>(static_cast<double>(per_receiver) * (1 - share)) / 64 * 64;
  const size_t rows = std::max<size_t>(1, (per_receiver - contiguous) / row_bytes);
  const size_t row = row_bytes * receivers;  // one held row, all its boxes
  PutProbeMemory memory(comm, c.sender() ? chunks * kPiece : 0,
                        c.rank >= c.half() ? per_receiver * chunks * static_cast<size_t>(c.half()) : 0);
  const uint8_t* src = memory.source();
  MPI_Win win = memory.window();
  auto put = [&](const uint8_t* from, size_t n, int peer, size_t at) {
    WXFER_CHECK_MPI(
        MPI_Put(from, static_cast<int>(n), MPI_BYTE, peer, static_cast<MPI_Aint>(at), static_cast<int>(n), MPI_BYTE, win));
  };
  // One pass: every chunk as the rdma strategy writes it, then a flush; then the commit.
  auto pass = [&](bool with_strided) {
    if (c.sender()) {
      for (size_t k = 0; k < chunks; ++k) {
        const uint8_t* from = src + k * kPiece;
        const size_t at = (static_cast<size_t>(c.rank) * chunks + k) * per_receiver;
        const size_t n = with_strided ? contiguous : per_receiver;
        for (size_t j = 0; j < receivers; ++j) put(from + j * n, n, c.half() + static_cast<int>(j), at);
        if (with_strided) {
          const uint8_t* box = from + receivers * contiguous;
          for (size_t r = 0; r < rows; ++r)
            for (size_t j = 0; j < receivers; ++j)
              put(box + r * row + j * row_bytes, row_bytes, c.half() + static_cast<int>(j), at + contiguous + r * row_bytes);
        }
        WXFER_CHECK_MPI(MPI_Win_flush_all(win));
      }
      for (size_t j = 0; j < receivers; ++j)
        WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.half() + static_cast<int>(j), 10, comm));
    } else if (c.rank >= c.half()) {
      for (int s = 0; s < c.half(); ++s) WXFER_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, s, 10, comm, MPI_STATUS_IGNORE));
    }
  };
  // Each repeat times both passes back to back, so that both see the same machine, in
  // alternating order (a drift within a repeat then favours neither), and derives the
  // strided rate relative to its own contiguous one; medians of those.
  std::vector<double> contiguous_rate, strided_ratio;
  const double all = static_cast<double>(per_receiver * receivers * chunks) * c.half();
  const double mix_contiguous = static_cast<double>(contiguous * receivers * chunks) * c.half();
  const double mix_strided = static_cast<double>(rows * row_bytes * receivers * chunks) * c.half();
  for (int i = 0; i < repeats; ++i) {
    double t_all = 0, t_mix = 0;
    if (i % 2 == 0) t_all = median_seconds(c, 1, [&] { pass(false); });
    t_mix = median_seconds(c, 1, [&] { pass(true); });
    if (i % 2 == 1) t_all = median_seconds(c, 1, [&] { pass(false); });
    const double rate = all / t_all;
    contiguous_rate.push_back(rate);
    // The mix beyond its contiguous bytes at the contiguous rate; never faster than contiguous.
    const double extra = t_mix - mix_contiguous / rate;
    strided_ratio.push_back(extra > mix_strided / rate ? mix_strided / extra / rate : 1.0);
  }
  const double median_rate = median(contiguous_rate);
  memory.close();
  return {median_rate, median_rate * median(strided_ratio)};
}

double probe_fan_out(MPI_Comm comm, size_t bytes, int repeats) {
  const Comm c(comm);
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  HostBuffer buf(bytes);
  std::memset(buf.data(), 1, bytes);
  const int receivers = c.size - c.half();
  const double t = median_seconds(c, repeats, [&] {
    for (int round = 0; round < kRounds; ++round) {
      std::vector<MPI_Request> reqs;
      for (size_t at = 0; at < bytes; at += kPiece) {
        const int len = static_cast<int>(std::min(kPiece, bytes - at));
        if (c.rank == 0) {
          for (int r = c.half(); r < c.size; ++r) {
            reqs.emplace_back();
            WXFER_CHECK_MPI(MPI_Isend(buf.data() + at, len, MPI_BYTE, r, 9, comm, &reqs.back()));
          }
        } else if (c.rank >= c.half()) {
          reqs.emplace_back();
          WXFER_CHECK_MPI(MPI_Irecv(buf.data() + at, len, MPI_BYTE, 0, 9, comm, &reqs.back()));
        }
      }
      WXFER_CHECK_MPI(MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE));
    }
  });
  return static_cast<double>(bytes) * kRounds * receivers / t;
}

BroadcastProbe probe_broadcast(MPI_Comm comm, size_t bytes, int rounds, int repeats) {
  const Comm c(comm);
  // Through the transport the run's broadcast strategy uses, so that its tree (and
  // WXFER_MPI_BROADCAST) is the run's.
  const Control control(comm);
  MpiTransport transport(control);
  // One group per root of the lower half: the root and the upper half (as the broadcast
  // strategy's per-owner groups); broadcast k comes from root k mod half.
  const int roots = std::max(c.half(), 1);
  std::vector<std::unique_ptr<Group>> groups;
  for (int r = 0; r < roots; ++r) {
    std::vector<int> members{r};
    for (int i = c.half(); i < c.size; ++i) members.push_back(i);
    groups.push_back(transport.make_group(members));
  }
  HostBuffer bufs[2] = {HostBuffer(bytes), HostBuffer(bytes)};
  for (auto& b : bufs) std::memset(b.data(), 1, bytes);
  const Deadline deadline = Deadline::after(kProbeDeadlineSeconds);
  const double t = median_seconds(c, repeats, [&] {
    std::optional<Request> reqs[2];
    for (int k = 0; k < rounds; ++k) {
      Group* g = groups[static_cast<size_t>(k % roots)].get();
      if (g == nullptr) continue;
      if (reqs[k % 2]) wait(*reqs[k % 2], deadline);
      reqs[k % 2] = transport.ibroadcast(*g, k % roots, {bufs[k % 2].data(), bytes, MemoryKind::host, -1});
    }
    for (auto& r : reqs)
      if (r) wait(*r, deadline);
  });
  BroadcastProbe probe;
  probe.bytes_per_second = static_cast<double>(bytes) * rounds / t;
  for (const auto& g : groups)
    if (g != nullptr) probe.flat = transport.broadcasts_flat(*g);
  int flat = probe.flat ? 1 : 0;
  WXFER_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &flat, 1, MPI_INT, MPI_MAX, comm));
  probe.flat = flat == 1;
  return probe;
}

}  // namespace wxfer
