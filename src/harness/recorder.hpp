// Raw per-rank stage events on the aligned clock; statistics are made later, from the file.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <mutex>
#include <vector>

#include "harness/clock.hpp"
#include "record/run_record.hpp"
#include "transport/op_log.hpp"

namespace wxfer {

class Recorder {
 public:
  Recorder(int rank, double clock_offset) : rank_(rank), offset_(clock_offset) { events_.reserve(1 << 14); }
  void set_step(int32_t step) { step_ = step; }
  int32_t step() const { return step_; }
  double now() const { return now_seconds(); }
  double aligned(double local_time) const { return local_time + offset_; }
  // t_begin / t_end from now(); stored on the aligned clock. Safe to call from a helper thread
  // (the sender's prepare thread) while the main thread records too.
  void record(const char* stage, int32_t bucket, int32_t peer, uint64_t bytes, double t_begin, double t_end);
  // What the transport issued in the current step (OpLog::take's cells).
  void record_ops(const std::vector<OpCount>& counts);
  // Rank 0 gets every rank's events (rank-ordered); the others get an empty list.
  std::vector<Event> gather_to_root(MPI_Comm comm);
  // The same for the operation counts.
  std::vector<OpRecord> gather_ops_to_root(MPI_Comm comm);
  void clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
    ops_.clear();
  }

 private:
  int rank_;
  double offset_;
  int32_t step_ = -1;
  std::mutex mutex_;
  std::vector<Event> events_;
  std::vector<OpRecord> ops_;
};

// Seconds one record() costs on this rank, the two clock reads around a stage included
// (median of a few batches into a scratch recorder), so that a run can state what its
// recording cost next to the update time.
double measure_record_seconds();

}  // namespace wxfer
