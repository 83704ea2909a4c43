#include "harness/time_window.hpp"

#include <sched.h>

#include "common/error.hpp"

namespace wxfer {

TimeWindow open_shared_window(MPI_Comm comm, double clock_offset, double seconds) {
  constexpr double kLead = 0.005;  // for every rank to learn the window before it opens
  WXFER_CHECK_MPI(MPI_Barrier(comm));
  double open = now_seconds() + clock_offset + kLead;
  WXFER_CHECK_MPI(MPI_Bcast(&open, 1, MPI_DOUBLE, 0, comm));
  const TimeWindow w{open - clock_offset, open - clock_offset + seconds};
  while (now_seconds() < w.start) sched_yield();
  return w;
}

}  // namespace wxfer
