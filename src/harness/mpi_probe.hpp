// What `wxfer calibrate` measures on this machine, with the rank count of a run: MPI
// point-to-point and one-sided (put) bandwidth and latency, and broadcast bandwidth. Puts go
// through the mpi-rma transport's window, as the run's do (direct copies or MPI_Put).
// Every function is collective over `comm` and returns the same value on every rank.
// Ranks a probe leaves idle wait asleep, so that on an oversubscribed host they do not take
// the cores of the ranks measured.
#pragma once

#include <mpi.h>

#include <cstddef>

#include "common/stats.hpp"

namespace wxfer {

// One measured figure. Every probe streams: a sample repeats the probe's pattern back to
// back for about kProbeSampleSeconds (as OSU's micro-benchmarks time a window of messages,
// not one message between two collectives), after one warm-up sample that also sizes the
// stream; samples repeat until `Steadiness` holds (the last `window` agree within `bound`) or `max_samples` were taken. `value`:
// the median of the chosen window.
struct ProbeFigure {
  double value = 0;
  double spread = 0;  // interquartile range / median of the chosen window
  int samples = 0;
  bool steady = false;
};
inline constexpr double kProbeSampleSeconds = 0.1;

// Collective: samples (each collective, the same on every rank) until steady; the first
// call is the warm-up, not kept.
template <class Sample>
SteadySeries sample_until_steady(const Steadiness& how, size_t figures, Sample&& sample) {
  SteadySeries series(how, figures);
  sample();
  while (!series.done()) series.add(sample());
  return series;
}
ProbeFigure figure_of(const SteadySeries& series, size_t k = 0);

struct LinkProbe {
  ProbeFigure alone;       // bytes/s of one pair with every other rank idle (asleep)
  ProbeFigure concurrent;  // aggregate bytes/s with every rank in a pair at once
  ProbeFigure latency;     // seconds: half a small round trip (a put: put, flush, notice, reply)
};

// Rank r sends to rank (r + size / 2) % size; the lower half sends, the upper receives. A
// sample streams messages of `bytes` (each as chunk-sized pieces all outstanding), then the
// receiver acknowledges (osu_bw's pattern; osu_mbw_mr's with every pair).
LinkProbe probe_send(MPI_Comm comm, size_t bytes, const Steadiness& how);
// The same pairs with puts into a window and a flush per message (osu_put_bw -W 1's
// pattern; the rdma strategy writes a chunk and flushes), then a zero-byte notice to the
// receiver, which waits asleep as the run's receivers do.
LinkProbe probe_put(MPI_Comm comm, size_t bytes, const Steadiness& how);
// As the rdma strategy writes: every rank of the lower half puts chunk-sized pieces, split
// evenly over every rank of the upper half, flushing after each chunk, through one agreed
// window of `window_seconds` (`clock_offset`: this rank's offset to rank 0's clock); the
// upper half waits asleep, as the run's receivers do. A sample: the aggregate bytes/s
// flushed inside the window. Timing fixed bytes to the slowest sender instead counts the
// cores idling once the first senders are done, and understates the rate.
ProbeFigure probe_put_all_to_all(MPI_Comm comm, size_t bytes, double clock_offset, const Steadiness& how, double window_seconds);
// As the rdma strategy writes a chunk on a CPU: every rank of the lower half writes `bytes`
// in chunk-sized pieces to the upper half, each chunk's `1 - share` as contiguous puts (one
// per receiver), then its `share` as column boxes of held rows put row by row across the
// receivers (rows of `row_bytes` x receivers; `wxfer run` interleaves the boxes of the same
// rows so that trainer memory is read in order: Window::put_interleaved), then one flush;
// all senders at once. Each sample also streams the same chunks all contiguous (before or
// after the mix, alternately); the strided rate is the strided bytes over the time the mix
// took beyond its contiguous part at the contiguous rate (as the replay charges
// them: one link, bytes / efficiency), from the medians. Aggregate bytes/s: the contiguous
// rate and the strided one (whose spread and samples are the mix's).
struct StridedPutProbe {
  ProbeFigure contiguous;
  ProbeFigure strided;
};
StridedPutProbe probe_put_strided(MPI_Comm comm, size_t bytes, size_t row_bytes, double share, const Steadiness& how);
// Rank 0 sends `bytes` to every rank of the upper half at once, chunk-sized messages all
// outstanding (the gather strategy's root): aggregate bytes/s landed.
ProbeFigure probe_fan_out(MPI_Comm comm, size_t bytes, const Steadiness& how);
// As the broadcast strategy: the mpi transport's ibroadcast of `bytes` (the run's bucket)
// from a root of the lower half to the upper half (the run's default owners and inference
// ranks; one group per root), roots in turn, two broadcasts in flight, `rounds` in a row.
struct BroadcastProbe {
  ProbeFigure rate;   // bytes / seconds per broadcast
  bool flat = false;  // the transport broadcast as a flat tree (else MPI_Ibcast)
};
BroadcastProbe probe_broadcast(MPI_Comm comm, size_t bytes, int rounds, const Steadiness& how);

}  // namespace wxfer
