// What a run (or a simulation) records, in memory; written to and read from HDF5 by
// record/run_file.hpp. The schema is documented in docs/hdf5-schema.md.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace wxfer {

// One thing one rank did, on the aligned clock (seconds since the run's epoch).
struct Event {
  int32_t rank = 0;
  int32_t step = 0;     // -1 for set-up work outside steps
  char stage[16] = {};  // a name from the stage table (record/stages.hpp)
  int32_t bucket = -1;  // bucket or chunk index, -1 if none
  int32_t peer = -1;    // other rank involved, -1 if none
  uint64_t bytes = 0;
  double t_begin = 0;
  double t_end = 0;
};

// What one rank's transport issued in one step, of one kind (put, send, recv, broadcast)
// and one size class: operations of [2^size_class, 2^(size_class+1)) bytes.
struct OpRecord {
  int32_t rank = 0;
  int32_t step = 0;
  char kind[16] = {};
  int32_t size_class = 0;
  uint64_t ops = 0;
  uint64_t bytes = 0;
};

struct StepRecord {
  int32_t step = 0;
  double seconds = 0;  // update time: "go" to the last byte committed on every rank
  // Bytes delivered into inference ranks this step, counted at the senders (gather and
  // broadcast deliver whole tensors: more than must land).
  uint64_t bytes_landed = 0;
  uint8_t verified = 0;  // 1: every byte checked and correct; 0: not checked
  double t_begin = 0;
  double t_end = 0;
  // The copy bound measured just before this step (seconds for the same bytes); 0 where none
  // was measured (simulations, files written before it was recorded).
  double bound_seconds = 0;
  // The raw reference loop over the same bytes, run right after this step (gather,
  // broadcast; the first --reference-repeats steps); 0 where none ran.
  double reference_seconds = 0;
  // Delta updates: 1 where this step sent only what changed (bytes_landed then counts the
  // patches and the segments sent whole), and the fraction of the elements compared that had
  // changed; 0 and -1 for whole updates and files written before deltas existed.
  uint8_t delta = 0;
  double changed_fraction = -1;
  // Delta steps: the bytes a whole update would have sent (the plan's traffic the step
  // covered, counted as bytes_landed is); 0 otherwise.
  uint64_t whole_bytes = 0;
};

struct RankInfo {
  int32_t rank = 0;
  std::string role;  // "trainer" or "inference"
  std::string host;
  double clock_offset = 0;  // seconds added to this rank's clock to align it with rank 0
  double clock_error = 0;   // estimated error of that offset
};

// One strategy in one configuration: /runs/<label>.
struct StrategyRun {
  std::string label;      // group name; the strategy name for plain runs, with parameters for sweeps
  std::string strategy;   // gather, broadcast, rdma
  std::string transport;  // mpi, mpi-rma, nccl, verbs, simgrid
  bool simulated = false;
  double lower_bound_seconds = 0;
  std::string bound_kind;                            // "memcpy" (local runs) or "link" (plans, simulations)
  uint64_t bytes_per_step = 0;                       // bytes that must land in inference memory per step
  nlohmann::json params = nlohmann::json::object();  // bucket size, chunk size, rank counts, ...
  std::map<std::string, double> metrics;             // e.g. reference_seconds of a raw baseline loop
  // The job's ranks when this run came from another job than the file's /ranks (merged and
  // sweep files: /runs/<label>/ranks); empty: the file's ranks. Read it through ranks_of().
  std::vector<RankInfo> ranks;
  std::vector<StepRecord> steps;
  std::vector<Event> events;
  std::vector<OpRecord> ops;  // per rank and measured step; empty in files without it
};

struct RunFile {
  std::string kind = "run";  // "run", "sim" or "sweep"
  std::string wxfer_version;
  std::string command_line;
  std::string created;                               // ISO 8601 UTC
  nlohmann::json config = nlohmann::json::object();  // the full configuration
  std::vector<std::string> hosts;
  // What measured it: rank 0's host (CPU model, cores, memory, kernel, ...); empty for sims.
  nlohmann::json machine = nlohmann::json::object();
  double clock_error = 0;  // worst estimated clock-alignment error over ranks
  std::vector<RankInfo> ranks;
  std::vector<StrategyRun> runs;
};

// The ranks that measured `run`: its own table when it has one, else the file's.
inline const std::vector<RankInfo>& ranks_of(const RunFile& file, const StrategyRun& run) {
  return run.ranks.empty() ? file.ranks : run.ranks;
}

}  // namespace wxfer
