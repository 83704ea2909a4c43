#include "harness/clock.hpp"

#include "common/error.hpp"

namespace wxfer {

ClockAlignment align_clocks(MPI_Comm comm, int rounds) {
  int rank = 0, size = 1;
  WXFER_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  WXFER_CHECK_MPI(MPI_Comm_size(comm, &size));
  constexpr int kTag = 77;
  ClockAlignment mine;
  if (rank == 0) {
    for (int peer = 1; peer < size; ++peer) {
      ClockAlignment best{0, 1e9};
      for (int i = 0; i < rounds; ++i) {
        const double t0 = now_seconds();
        double remote = 0;
        WXFER_CHECK_MPI(MPI_Send(&t0, 1, MPI_DOUBLE, peer, kTag, comm));
        WXFER_CHECK_MPI(MPI_Recv(&remote, 1, MPI_DOUBLE, peer, kTag, comm, MPI_STATUS_IGNORE));
        const double t1 = now_seconds();
        const double half = (t1 - t0) / 2;
        if (half < best.error) best = {t0 + half - remote, half};
      }
      double result[2] = {best.offset, best.error};
      WXFER_CHECK_MPI(MPI_Send(result, 2, MPI_DOUBLE, peer, kTag, comm));
    }
    return mine;
  }
  for (int i = 0; i < rounds; ++i) {
    double t0 = 0;
    WXFER_CHECK_MPI(MPI_Recv(&t0, 1, MPI_DOUBLE, 0, kTag, comm, MPI_STATUS_IGNORE));
    const double t = now_seconds();
    WXFER_CHECK_MPI(MPI_Send(&t, 1, MPI_DOUBLE, 0, kTag, comm));
  }
  double result[2] = {0, 0};
  WXFER_CHECK_MPI(MPI_Recv(result, 2, MPI_DOUBLE, 0, kTag, comm, MPI_STATUS_IGNORE));
  mine.offset = result[0];
  mine.error = result[1];
  return mine;
}

}  // namespace wxfer
