#include "harness/mpi_probe.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
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
#include "control/mpi_requests.hpp"
#include "harness/clock.hpp"
#include "harness/time_window.hpp"
#include "transport/memory.hpp"
#include "transport/mpi/mpi_transport.hpp"
#include "transport/mpi_rma/mpi_rma_transport.hpp"
#include "transport/transport.hpp"

namespace wxfer {
namespace {

constexpr size_t kPiece = size_t{8} << 20;  // the run's default chunk size
constexpr size_t kStreamWindow = 64;
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
// `window_bytes` exposed through the mpi-rma transport's expose_new, as the rdma strategy's
// receivers expose theirs (WXFER_MPI_RMA_WINDOW, WXFER_MPI_RMA_PUTS): the probes put as the
// run puts.
class PutProbeMemory {
 public:
  PutProbeMemory(MPI_Comm comm, size_t source_bytes, size_t window_bytes)
      : source_(source_bytes + kSourceOffset),
        control_(comm),
        transport_(control_),
        window_(transport_.expose_new(window_bytes)) {
    std::memset(source_.data() + kSourceOffset, 1, source_bytes);
    if (window_bytes > 0) std::memset(window_->local().data, 0, window_bytes);
  }
  // Collective; a probe that failed skips it (no collective call in a destructor).
  void close() {
    const Deadline deadline = Deadline::after(kProbeDeadlineSeconds);
    window_->close(deadline);
    transport_.close(deadline);
  }
  PutProbeMemory(const PutProbeMemory&) = delete;
  PutProbeMemory& operator=(const PutProbeMemory&) = delete;
  const uint8_t* source() const { return source_.data() + kSourceOffset; }
  Window& window() { return *window_; }
  void flush() { window_->flush(Deadline::after(kProbeDeadlineSeconds)); }

 private:
  HostBuffer source_;
  Control control_;
  MpiRmaTransport transport_;
  std::unique_ptr<Window> window_;
};

// Collective waits that idle ranks sleep through: a probe of one pair must not share its
// cores with ranks spinning in MPI (Waiting::patient; Waiting::idle for ranks that sit out
// a whole stream).
void wait_for(std::initializer_list<MPI_Request> handles, const char* what, Waiting how = Waiting::patient) {
  auto op = std::make_unique<MpiRequests>(what);
  op->handles().assign(handles);
  Request request(std::move(op));
  wait(request, Deadline::after(kProbeDeadlineSeconds), how);
}

void barrier(const Comm& c) {
  MPI_Request handle = MPI_REQUEST_NULL;
  WXFER_CHECK_MPI(MPI_Ibarrier(c.comm, &handle));
  wait_for({handle}, "a probe's barrier");
}

double reduce(const Comm& c, double mine, MPI_Op op) {
  double out = 0;
  MPI_Request handle = MPI_REQUEST_NULL;
  WXFER_CHECK_MPI(MPI_Iallreduce(&mine, &out, 1, MPI_DOUBLE, op, c.comm, &handle));
  wait_for({handle}, "a probe's reduction");
  return out;
}

// A zero-byte message from `peer`, waited for asleep (as the run's receivers wait).
void await_notice(const Comm& c, int peer, int tag) {
  MPI_Request handle = MPI_REQUEST_NULL;
  WXFER_CHECK_MPI(MPI_Irecv(nullptr, 0, MPI_BYTE, peer, tag, c.comm, &handle));
  wait_for({handle}, "a probe's notice");
}

// A stream: `iterations` of `step` back to back on every rank at once, then `finish` (an
// acknowledgement); the slowest rank's seconds. Idle ranks pass empty functions.
// Also returns the mean over the ranks that pass `timed` (as osu_mbw_mr times its pairs:
// the aggregate of pairs that end at different times is their mean rate, not the slowest's).
struct StreamTime {
  double slowest = 0, mean = 0;
};
StreamTime time_stream(const Comm& c, int iterations, const std::function<void()>& step, const std::function<void()>& finish,
                       bool timed = false) {
  barrier(c);
  const double t0 = now_seconds();
  for (int i = 0; i < iterations; ++i) step();
  finish();
  const double mine = now_seconds() - t0;
  // Ranks idle in this stream reach here at once and sleep until the rest are done.
  double sums[2] = {timed ? mine : 0, timed ? 1.0 : 0}, totals[2] = {0, 0};
  double slowest = 0;
  MPI_Request handles[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  WXFER_CHECK_MPI(MPI_Iallreduce(sums, totals, 2, MPI_DOUBLE, MPI_SUM, c.comm, &handles[0]));
  WXFER_CHECK_MPI(MPI_Iallreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, c.comm, &handles[1]));
  wait_for({handles[0], handles[1]}, "a probe's reductions", Waiting::idle);
  return {slowest, totals[1] > 0 ? totals[0] / totals[1] : slowest};
}

// How many iterations of `one_seconds` each fill a sample of about kProbeSampleSeconds.
int stream_iterations(double one_seconds) {
  return static_cast<int>(std::clamp(std::ceil(kProbeSampleSeconds / std::max(one_seconds, 1e-9)), 1.0, 1e6));
}

// A streamed probe: the warm-up sample times one iteration and sizes the stream; every
// sample then returns `rate(seconds, iterations)`. `timed`: this rank's time counts in the
// mean that `rate` gets (StreamTime::mean: the slowest rank's where no rank is timed).
SteadySeries stream_until_steady(const Comm& c, const Steadiness& how, const std::function<void()>& step,
                                 const std::function<void()>& finish,
                                 const std::function<double(double seconds, int iterations)>& rate, bool timed = false) {
  int iterations = 0;
  return sample_until_steady(how, 1, [&] {
    const int k = std::max(iterations, 1);
    const double seconds = time_stream(c, k, step, finish, timed).mean;
    if (iterations == 0) iterations = stream_iterations(seconds);
    return std::vector<double>{rate(seconds, k)};
  });
}

// `exchange(bytes, active)`: one message from each active sender to its partner;
// `finish(active)`: what ends a stream of them. Latency: exchanges of 8 bytes.
// `step_bytes`: what one exchange of `bytes` moves per pair.
LinkProbe probe_pairs(const Comm& c, size_t bytes, const Steadiness& how,
                      const std::function<void(size_t bytes, bool active)>& exchange,
                      const std::function<void(bool active)>& finish, int latency_legs, double step_bytes) {
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  const double n = step_bytes;
  const bool first_pair = c.rank == 0 || c.rank == c.half();
  LinkProbe p;
  // Each pair's time is its sender's (as OSU times its senders).
  p.concurrent = figure_of(stream_until_steady(
      c, how, [&] { exchange(bytes, c.paired()); }, [&] { finish(c.paired()); },
      [&](double t, int k) { return n * k * c.half() / t; }, /*timed=*/c.sender()));
  p.alone = figure_of(stream_until_steady(
      c, how, [&] { exchange(bytes, first_pair); }, [&] { finish(first_pair); }, [&](double t, int k) { return n * k / t; },
      /*timed=*/c.rank == 0));
  // Latency: small exchanges back to back, each `latency_legs` one-way trips.
  p.latency = figure_of(stream_until_steady(
      c, how, [&] { exchange(8, first_pair); }, [&] { finish(first_pair); },
      [&](double t, int k) { return t / (k * latency_legs); }));
  return p;
}

}  // namespace

ProbeFigure figure_of(const SteadySeries& series, size_t k) {
  return {series.value(k), series.spread(k), series.samples(), series.steady()};
}

LinkProbe probe_send(MPI_Comm comm, size_t bytes, const Steadiness& how) {
  const Comm c(comm);
  HostBuffer buf(std::max<size_t>(bytes, 8));
  std::memset(buf.data(), 1, buf.size());
  // As the strategies send: chunk-sized messages, many outstanding at once (a window of at
  // least kStreamWindow, cycling over the message's pieces, as osu_bw keeps 64 in flight:
  // one at a time, an oversubscribed pair waits on each rendezvous). (offset, length) each.
  std::vector<std::pair<size_t, int>> window;
  const size_t pieces = (bytes + kPiece - 1) / kPiece;
  for (size_t i = 0; i < std::max(pieces, kStreamWindow); ++i) {
    const size_t at = (i % pieces) * kPiece;
    window.emplace_back(at, static_cast<int>(std::min(kPiece, bytes - at)));
  }
  // Ping-pong for latency (8 bytes): the reply is the next exchange's; a stream of big
  // messages ends in the receiver's acknowledgement.
  const auto exchange = [&](size_t n, bool active) {
    if (!active) return;
    if (n <= 8) {
      if (c.sender()) {
        WXFER_CHECK_MPI(MPI_Send(buf.data(), static_cast<int>(n), MPI_BYTE, c.partner(), 6, comm));
        WXFER_CHECK_MPI(MPI_Recv(buf.data(), static_cast<int>(n), MPI_BYTE, c.partner(), 6, comm, MPI_STATUS_IGNORE));
      } else {
        WXFER_CHECK_MPI(MPI_Recv(buf.data(), static_cast<int>(n), MPI_BYTE, c.partner(), 6, comm, MPI_STATUS_IGNORE));
        WXFER_CHECK_MPI(MPI_Send(buf.data(), static_cast<int>(n), MPI_BYTE, c.partner(), 6, comm));
      }
      return;
    }
    std::vector<MPI_Request> reqs;
    for (const auto& [at, len] : window) {
      reqs.emplace_back();
      if (c.sender())
        WXFER_CHECK_MPI(MPI_Isend(buf.data() + at, len, MPI_BYTE, c.partner(), 7, comm, &reqs.back()));
      else
        WXFER_CHECK_MPI(MPI_Irecv(buf.data() + at, len, MPI_BYTE, c.partner(), 7, comm, &reqs.back()));
    }
    WXFER_CHECK_MPI(MPI_Waitall(static_cast<int>(reqs.size()), reqs.data(), MPI_STATUSES_IGNORE));
  };
  const auto acknowledge = [&](bool active) {
    if (!active) return;
    if (c.sender())
      WXFER_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, c.partner(), 8, comm, MPI_STATUS_IGNORE));
    else
      WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.partner(), 8, comm));
  };
  double step = 0;  // what one exchange's window moves
  for (const auto& piece : window) step += piece.second;
  return probe_pairs(c, bytes, how, exchange, acknowledge, 2, step);
}

LinkProbe probe_put(MPI_Comm comm, size_t bytes, const Steadiness& how) {
  const Comm c(comm);
  PutProbeMemory memory(comm, bytes, bytes);
  const uint8_t* src = memory.source();
  Window& win = memory.window();
  const auto put = [&](size_t n, bool active) {
    if (!active) return;
    if (n <= 8) {
      // Latency: one small put, its flush and the notice that tells the receiver (the rdma
      // strategy's commit), and the receiver's reply: a round trip.
      if (c.sender()) {
        win.put(c.partner(), 0, src, n);
        memory.flush();
        WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.partner(), 8, comm));
        WXFER_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, c.partner(), 8, comm, MPI_STATUS_IGNORE));
      } else {
        WXFER_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, c.partner(), 8, comm, MPI_STATUS_IGNORE));
        WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.partner(), 8, comm));
      }
      return;
    }
    // As the rdma strategy writes a chunk: chunk-sized puts, then one flush.
    if (!c.sender()) return;
    for (size_t at = 0; at < n; at += kPiece) {
      const int len = static_cast<int>(std::min(kPiece, n - at));
      win.put(c.partner(), at, src + at, static_cast<size_t>(len));
    }
    memory.flush();
  };
  // The receiver learns of a stream's data by a zero-byte notice after the last flush, as
  // the rdma strategy's commit does; it waits asleep.
  const auto notify = [&](bool active) {
    if (!active) return;
    if (c.sender())
      WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.partner(), 9, comm));
    else
      await_notice(c, c.partner(), 9);
  };
  LinkProbe p = probe_pairs(c, bytes, how, put, notify, 2, static_cast<double>(bytes));
  memory.close();
  return p;
}

ProbeFigure probe_put_all_to_all(MPI_Comm comm, size_t bytes, double clock_offset, const Steadiness& how, double window_seconds) {
  const Comm c(comm);
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  const auto receivers = static_cast<size_t>(c.size - c.half());
  const size_t chunks = std::max<size_t>(1, bytes / kPiece);
  const size_t piece = kPiece / receivers;  // of one chunk, to each receiver
  // Each sender owns `chunks` pieces in every receiver's window.
  PutProbeMemory memory(comm, c.sender() ? chunks * kPiece : 0, c.sender() ? 0 : piece * chunks * static_cast<size_t>(c.half()));
  const uint8_t* src = memory.source();
  Window& win = memory.window();
  const SteadySeries series = sample_until_steady(how, 1, [&] {
    const TimeWindow w = open_shared_window(comm, clock_offset, window_seconds);
    double moved = 0;
    if (c.sender()) {
      size_t k = 0;
      moved = bytes_within(w.stop, static_cast<double>(piece * receivers), [&] {
        const size_t at = (static_cast<size_t>(c.rank) * chunks + k) * piece;
        for (size_t j = 0; j < receivers; ++j) win.put(c.half() + static_cast<int>(j), at, src + k * kPiece + j * piece, piece);
        memory.flush();
        k = (k + 1) % chunks;
      });
    } else {
      while (now_seconds() < w.stop) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return std::vector<double>{reduce(c, moved, MPI_SUM) / window_seconds};
  });
  memory.close();
  return figure_of(series);
}

StridedPutProbe probe_put_strided(MPI_Comm comm, size_t bytes, size_t row_bytes, double share, const Steadiness& how) {
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
  Window& win = memory.window();
  std::vector<StridedBox> boxes(receivers);
  // One pass: every chunk as the rdma strategy writes it, then a flush; then the commit,
  // which the receivers wait for asleep.
  auto pass = [&](bool with_strided) {
    if (c.sender()) {
      for (size_t k = 0; k < chunks; ++k) {
        const uint8_t* from = src + k * kPiece;
        const size_t at = (static_cast<size_t>(c.rank) * chunks + k) * per_receiver;
        const size_t n = with_strided ? contiguous : per_receiver;
        for (size_t j = 0; j < receivers; ++j) win.put(c.half() + static_cast<int>(j), at, from + j * n, n);
        if (with_strided) {
          // Column boxes of the same held rows, one per receiver, as the strategy puts them.
          const uint8_t* box = from + receivers * contiguous;
          for (size_t j = 0; j < receivers; ++j)
            boxes[j] = {c.half() + static_cast<int>(j), at + contiguous, box + j * row_bytes, rows, row_bytes, row};
          win.put_interleaved(boxes);
        }
        memory.flush();
      }
      for (size_t j = 0; j < receivers; ++j)
        WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.half() + static_cast<int>(j), 10, comm));
    } else if (c.rank >= c.half()) {
      for (int s = 0; s < c.half(); ++s) await_notice(c, s, 10);
    }
  };
  const auto nothing = [] {};
  // Each sample streams both kinds of pass back to back, so that both see the same machine,
  // in alternating order (a drift within a sample then favours neither): the contiguous
  // rate and the mix's rate, each measured directly; the strided rate is derived from their
  // medians.
  const double all = static_cast<double>(per_receiver * receivers * chunks) * c.half();
  const double mix_contiguous = static_cast<double>(contiguous * receivers * chunks) * c.half();
  const double mix_strided = static_cast<double>(rows * row_bytes * receivers * chunks) * c.half();
  int iterations = 0, sample = 0;
  const SteadySeries series = sample_until_steady(how, 2, [&] {
    const int k = std::max(iterations, 1);
    const auto stream = [&](bool with_strided) {
      return time_stream(
                 c, k, [&] { pass(with_strided); }, nothing)
          .slowest;
    };
    double t_all = 0, t_mix = 0;
    if (sample % 2 == 0) t_all = stream(false);
    t_mix = stream(true);
    if (sample++ % 2 == 1) t_all = stream(false);
    if (iterations == 0) iterations = stream_iterations(t_mix);
    return std::vector<double>{all * k / t_all, (mix_contiguous + mix_strided) * k / t_mix};
  });
  memory.close();
  StridedPutProbe probe{figure_of(series, 0), figure_of(series, 1)};
  // The mix beyond its contiguous bytes at the contiguous rate; never faster than contiguous.
  const double rate = probe.contiguous.value;
  const double extra = (mix_contiguous + mix_strided) / probe.strided.value - mix_contiguous / rate;
  probe.strided.value = extra > mix_strided / rate ? mix_strided / extra : rate;
  return probe;
}

ProbeFigure probe_fan_out(MPI_Comm comm, size_t bytes, const Steadiness& how) {
  const Comm c(comm);
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  HostBuffer buf(bytes);
  std::memset(buf.data(), 1, bytes);
  const int receivers = c.size - c.half();
  const auto send_all = [&] {
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
  };
  return figure_of(stream_until_steady(
      c, how, send_all, [] {}, [&](double t, int k) { return static_cast<double>(bytes) * k * receivers / t; }));
}

BroadcastProbe probe_broadcast(MPI_Comm comm, size_t bytes, int rounds, const Steadiness& how) {
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
  const auto broadcasts = [&] {
    std::optional<Request> reqs[2];
    for (int k = 0; k < rounds; ++k) {
      Group* g = groups[static_cast<size_t>(k % roots)].get();
      if (g == nullptr) continue;
      if (reqs[k % 2]) wait(*reqs[k % 2], deadline);
      reqs[k % 2] = transport.ibroadcast(*g, k % roots, {bufs[k % 2].data(), bytes, MemoryKind::host, -1});
    }
    for (auto& r : reqs)
      if (r) wait(*r, deadline);
  };
  BroadcastProbe probe;
  probe.rate = figure_of(stream_until_steady(
      c, how, broadcasts, [] {}, [&](double t, int k) { return static_cast<double>(bytes) * rounds * k / t; }));
  for (const auto& g : groups)
    if (g != nullptr) probe.flat = transport.broadcasts_flat(*g);
  int flat = probe.flat ? 1 : 0;
  WXFER_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &flat, 1, MPI_INT, MPI_MAX, comm));
  probe.flat = flat == 1;
  return probe;
}

}  // namespace wxfer
