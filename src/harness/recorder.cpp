#include "harness/recorder.hpp"
#include "record/stages.hpp"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "common/error.hpp"
#include "common/stats.hpp"

namespace wxfer {

static_assert(std::is_trivially_copyable_v<Event>);

void Recorder::record(const char* stage, int32_t bucket, int32_t peer, uint64_t bytes, double t_begin, double t_end) {
  std::lock_guard lock(mutex_);
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

double measure_record_seconds() {
  constexpr int kEvents = 4096, kBatches = 7;
  std::vector<double> batches;
  for (int b = 0; b < kBatches; ++b) {
    Recorder scratch(0, 0.0);  // reserves as a run's recorder does
    const double t0 = now_seconds();
    for (int i = 0; i < kEvents; ++i) {
      const double begin = scratch.now();
      scratch.record(stage::transfer, i, 1, 4096, begin, scratch.now());
    }
    batches.push_back((now_seconds() - t0) / kEvents);
  }
  return median(batches);
}

namespace {

// Rank 0 gets every rank's rows (rank-ordered), as raw bytes of trivially copyable rows.
template <class Row>
std::vector<Row> gather_rows(MPI_Comm comm, const std::vector<Row>& mine_rows) {
  int rank = 0, size = 1;
  WXFER_CHECK_MPI(MPI_Comm_rank(comm, &rank));
  WXFER_CHECK_MPI(MPI_Comm_size(comm, &size));
  const int mine = static_cast<int>(mine_rows.size() * sizeof(Row));
  std::vector<int> counts(static_cast<size_t>(size)), displs(static_cast<size_t>(size));
  WXFER_CHECK_MPI(MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm));
  std::vector<Row> all;
  if (rank == 0) {
    int64_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
      displs[r] = static_cast<int>(total);
      total += counts[r];
    }
    WXFER_ASSERT(total < (int64_t{1} << 31));
    all.resize(static_cast<size_t>(total) / sizeof(Row));
  }
  WXFER_CHECK_MPI(MPI_Gatherv(mine_rows.data(), mine, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, 0, comm));
  return all;
}

}  // namespace

void Recorder::record_ops(const std::vector<OpCount>& counts) {
  std::lock_guard lock(mutex_);
  for (const OpCount& c : counts) {
    OpRecord r;
    r.rank = rank_;
    r.step = step_;
    const std::string_view name = op_kind_name(c.kind);
    std::memcpy(r.kind, name.data(), std::min(name.size(), sizeof r.kind));
    r.size_class = c.size_class;
    r.ops = c.ops;
    r.bytes = c.bytes;
    ops_.push_back(r);
  }
}

std::vector<Event> Recorder::gather_to_root(MPI_Comm comm) {
  std::lock_guard lock(mutex_);
  std::vector<Event> all = gather_rows(comm, events_);
  events_.clear();
  return all;
}

std::vector<OpRecord> Recorder::gather_ops_to_root(MPI_Comm comm) {
  std::lock_guard lock(mutex_);
  std::vector<OpRecord> all = gather_rows(comm, ops_);
  ops_.clear();
  return all;
}

}  // namespace wxfer
