// Bandwidth probes that count bytes moved inside one interval shared by every rank, rather
// than timing fixed bytes to the slowest rank (which counts the cores idling once the first
// ranks are done, and understates the rate).
#pragma once

#include <mpi.h>

#include "harness/clock.hpp"

namespace wxfer {

// One interval, on this rank's clock.
struct TimeWindow {
  double start = 0, stop = 0;
};

// Collective over `comm`: agrees on an interval of `seconds` opening a few ms from now on
// rank 0's clock (`clock_offset`: this rank's offset to it), and returns once it has opened.
TimeWindow open_shared_window(MPI_Comm comm, double clock_offset, double seconds);

// Repeats `step()` (each moves `bytes`) until `stop`; returns the bytes moved by then, the
// step the window closed on counted in proportion to its time inside.
template <class Step>
double bytes_within(double stop, double bytes, Step&& step) {
  double moved = 0;
  for (;;) {
    const double t0 = now_seconds();
    if (t0 >= stop) return moved;
    step();
    const double t1 = now_seconds();
    if (t1 > stop) return moved + bytes * (stop - t0) / (t1 - t0);
    moved += bytes;
  }
}

}  // namespace wxfer
