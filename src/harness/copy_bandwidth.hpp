// The bound local runs are measured against: how fast all ranks together can copy memory.
#pragma once

#include <mpi.h>

#include <cstddef>

#include "transport/memory.hpp"

namespace wxfer {

// The window of measure_window (and of calibrate's put probe): many scheduler time slices,
// even with several ranks per core.
inline constexpr double kCopyWindowSeconds = 0.08;

// Buffers allocated (and touched) once, for measuring again and again during a run without
// fresh pages to fault in and give back each time.
class CopyBandwidthProbe {
 public:
  explicit CopyBandwidthProbe(size_t bytes = 64 << 20);
  // Collective: every rank copies 1 MiB pieces (walking its buffers) during one window of
  // `window_seconds` agreed on rank 0's clock (`clock_offset`: this rank's offset to it);
  // the aggregate is what all ranks copied inside the window over its length, median of
  // `repeats`. Timing a fixed amount per rank to the slowest instead counts the end, when
  // the cores idle beside the last ranks still copying, and understates the bandwidth.
  double measure_window(MPI_Comm comm, double clock_offset, int repeats, double window_seconds = kCopyWindowSeconds);
  // One window's aggregate rate (one sample of measure_window).
  double sample_window(MPI_Comm comm, double clock_offset, double window_seconds = kCopyWindowSeconds);

 private:
  // The source starts kCopySourceOffset into its page, as trainer shards do: the bound must be
  // the best copy the machine does, and a page-aligned pair is not.
  HostBuffer from_, to_;
  size_t bytes_ = 0;
};

}  // namespace wxfer
