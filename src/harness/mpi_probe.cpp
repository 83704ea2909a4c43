#include "harness/mpi_probe.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "common/error.hpp"
#include "harness/clock.hpp"
#include "transport/memory.hpp"

namespace wxfer {
namespace {

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
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// `exchange(bytes, active)`: one message from each active sender to its partner.
LinkProbe probe_pairs(const Comm& c, size_t bytes, int repeats,
                      const std::function<void(size_t bytes, bool active)>& exchange) {
  if (c.size < 2) throw_usage("wxfer calibrate needs at least 2 ranks (run it under mpirun -np N)");
  LinkProbe p;
  const double all = median_seconds(c, repeats, [&] { exchange(bytes, c.paired()); });
  p.concurrent = static_cast<double>(bytes) * c.half() / all;
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
    if (c.sender())
      WXFER_CHECK_MPI(MPI_Send(buf.data(), static_cast<int>(n), MPI_BYTE, c.partner(), 7, comm));
    else
      WXFER_CHECK_MPI(MPI_Recv(buf.data(), static_cast<int>(n), MPI_BYTE, c.partner(), 7, comm, MPI_STATUS_IGNORE));
  });
}

LinkProbe probe_put(MPI_Comm comm, size_t bytes, int repeats) {
  const Comm c(comm);
  HostBuffer src(bytes), target(bytes);
  std::memset(src.data(), 1, bytes);
  MPI_Win win = MPI_WIN_NULL;
  WXFER_CHECK_MPI(MPI_Win_create(target.data(), static_cast<MPI_Aint>(bytes), 1, MPI_INFO_NULL, comm, &win));
  WXFER_CHECK_MPI(MPI_Win_lock_all(0, win));
  // The receiver learns of the data by a zero-byte message after the flush, as the rdma
  // strategy's commit does.
  const LinkProbe p = probe_pairs(c, bytes, repeats, [&](size_t n, bool active) {
    if (!active) return;
    if (c.sender()) {
      WXFER_CHECK_MPI(MPI_Put(src.data(), static_cast<int>(n), MPI_BYTE, c.partner(), 0, static_cast<int>(n), MPI_BYTE, win));
      WXFER_CHECK_MPI(MPI_Win_flush(c.partner(), win));
      WXFER_CHECK_MPI(MPI_Send(nullptr, 0, MPI_BYTE, c.partner(), 8, comm));
    } else {
      WXFER_CHECK_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, c.partner(), 8, comm, MPI_STATUS_IGNORE));
    }
  });
  WXFER_CHECK_MPI(MPI_Win_unlock_all(win));
  WXFER_CHECK_MPI(MPI_Win_free(&win));
  return p;
}

double probe_broadcast(MPI_Comm comm, size_t bytes, int repeats) {
  const Comm c(comm);
  HostBuffer buf(bytes);
  std::memset(buf.data(), 1, bytes);
  const double t = median_seconds(c, repeats, [&] {
    WXFER_CHECK_MPI(MPI_Bcast(buf.data(), static_cast<int>(bytes), MPI_BYTE, 0, comm));
  });
  return static_cast<double>(bytes) / t;
}

}  // namespace wxfer
