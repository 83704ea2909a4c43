// What `wxfer calibrate` measures on this machine, with the rank count of a run: MPI
// point-to-point and one-sided (MPI_Put) bandwidth and latency, and broadcast bandwidth.
// Every function is collective over `comm` and returns the same value on every rank.
#pragma once

#include <mpi.h>

#include <cstddef>

namespace wxfer {

struct LinkProbe {
  double alone = 0;       // bytes/s of one pair with every other rank idle
  double concurrent = 0;  // aggregate bytes/s with every rank in a pair at once
  double latency = 0;     // seconds: half a small round trip
};

// Rank r sends to rank (r + size / 2) % size; the lower half sends, the upper receives.
LinkProbe probe_send(MPI_Comm comm, size_t bytes, int repeats);
// The same pairs with MPI_Put into a window and a flush (as the rdma strategy writes).
LinkProbe probe_put(MPI_Comm comm, size_t bytes, int repeats);
// As the rdma strategy writes: every rank of the lower half puts chunk-sized pieces, split
// evenly over every rank of the upper half, flushing after each chunk, through one agreed
// window of `window_seconds` (`clock_offset`: this rank's offset to rank 0's clock); the
// upper half waits asleep, as the run's receivers do. Aggregate bytes/s flushed inside the
// window (median of `repeats`). Timing fixed bytes to the slowest sender instead counts the
// cores idling once the first senders are done, and understates the rate.
double probe_put_all_to_all(MPI_Comm comm, size_t bytes, double clock_offset, int repeats, double window_seconds);
// As the rdma strategy writes a chunk on a CPU: every rank of the lower half writes `bytes`
// in chunk-sized pieces to the upper half, each chunk's `1 - share` as contiguous puts (one
// per receiver), then its `share` as column boxes of held rows put row by row across the
// receivers (rows of `row_bytes` x receivers; `wxfer run` interleaves the boxes of the same
// rows so that trainer memory is read in order), one MPI_Put per row piece, then one flush;
// all senders at once. Each repeat also writes the same chunks all contiguous (before or
// after the mix, alternately); its strided rate is the strided bytes over the time the mix
// took beyond its contiguous part at that repeat's contiguous rate (as the replay charges
// them: one link, bytes / efficiency). Aggregate bytes/s: the median contiguous rate, and
// that times the median ratio of strided to contiguous.
struct StridedPutProbe {
  double contiguous = 0;
  double strided = 0;
};
StridedPutProbe probe_put_strided(MPI_Comm comm, size_t bytes, size_t row_bytes, double share, int repeats);
// Rank 0 sends `bytes` to every rank of the upper half at once, chunk-sized messages all
// outstanding (the gather strategy's root): aggregate bytes/s landed.
double probe_fan_out(MPI_Comm comm, size_t bytes, int repeats);
// As the broadcast strategy: the mpi transport's ibroadcast of `bytes` (the run's bucket)
// from a root of the lower half to the upper half (the run's default owners and inference
// ranks; one group per root), roots in turn, two broadcasts in flight, `rounds` in a row.
struct BroadcastProbe {
  double bytes_per_second = 0;  // bytes / seconds per broadcast
  bool flat = false;            // the transport broadcast as a flat tree (else MPI_Ibcast)
};
BroadcastProbe probe_broadcast(MPI_Comm comm, size_t bytes, int rounds, int repeats);

}  // namespace wxfer
