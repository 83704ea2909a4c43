// One clock for all ranks: offsets to rank 0's clock, estimated at start-up by ping-pong.
#pragma once

#include <mpi.h>

#include <chrono>

namespace wxfer {

inline double now_seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct ClockAlignment {
  double offset = 0;  // add to this rank's now_seconds() to get rank 0's
  double error = 0;   // half the best round trip: the offset is right within this
};

// Collective over `comm`. Rank 0 exchanges `rounds` ping-pongs with every rank in turn and
// keeps the one with the shortest round trip.
ClockAlignment align_clocks(MPI_Comm comm, int rounds = 32);

}  // namespace wxfer
