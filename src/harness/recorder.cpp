#include "harness/recorder.hpp"

#include <cstring>
#include <type_traits>

#include "common/error.hpp"

namespace wxfer {

static_assert(std::is_trivially_copyable_v<Event>);

void Recorder::record(const char* stage, int32_t bucket, int32_t peer, uint64_t bytes, double t_begin, double t_end) {
  Event& e = events_.emplace_back();
  e.rank = rank_;
  e.step = step_;
  std::strncpy(e.stage, stage, sizeof(e.stage) - 1);
  e.bucket = bucket;
  e.peer = peer;
  e.bytes = bytes;
  e.t_begin = t_begin + offset_;
  e.t_end = t_end + offset_;
}

std::vector<Event> Recorder::gather_to_root(MPI_Comm comm) {
  int rank = 0, size = 1;
  WXFER_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  WXFER_CHECK_MPI(MPI_Comm_size(comm, &size));
  const int mine = static_cast<int>(events_.size() * sizeof(Event));
  std::vector<int> counts(static_cast<size_t>(size)), displs(static_cast<size_t>(size));
  WXFER_CHECK_MPI(MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm));
  std::vector<Event> all;
  if (rank == 0) {
    int64_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
      displs[r] = static_cast<int>(total);
      total += counts[r];
    }
    WXFER_ASSERT(total < (int64_t{1} << 31));
    all.resize(static_cast<size_t>(total) / sizeof(Event));
  }
  WXFER_CHECK_MPI(MPI_Gatherv(events_.data(), mine, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, 0, comm));
  events_.clear();
  return all;
}

}  // namespace wxfer
