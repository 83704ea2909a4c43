// The numbers `wxfer report` shows for one run group (/runs/<label>). Every definition is
// in docs/report.md; the comments here are the short form.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "record/run_record.hpp"

namespace wxfer::report {

// One stage within the median step.
struct StageStats {
  std::string stage;
  // Its share of the step's wall time: time it ran on the last-finishing rank, plus, while
  // that rank waited, time it ran elsewhere (shared equally among concurrently active stages).
  double critical_seconds = 0;
  double union_seconds = 0;     // wall time during which at least one rank was in this stage
  double busy_seconds = 0;      // sum of its event durations over all ranks
  double rank_max_seconds = 0;  // the most time one rank spent in it (union of that rank's events)
  uint64_t bytes = 0;           // sum of its events' bytes over all ranks
  size_t events = 0;
};

struct Spread {
  double max = 0;
  double mean = 0;
  double skew() const { return mean > 0 ? max / mean : 0; }  // max / mean; 1 = perfectly even
};

// What the transports issued in one step, of one kind, over all ranks (OpRecord rows).
struct OpStats {
  std::string kind;
  uint64_t ops = 0, bytes = 0;
  uint64_t busiest_rank_ops = 0;  // the most any one rank issued
  // Size classes (operations of [2^c, 2^(c+1)) bytes): the smallest, the one holding the
  // median operation, the largest.
  int smallest_class = 0, median_class = 0, largest_class = 0;
};

struct RunStats {
  std::string file;   // path it was read from
  std::string label;  // /runs/<label>
  std::string strategy, transport, bound_kind;
  bool simulated = false;
  double lower_bound_seconds = 0;
  uint64_t bytes_per_step = 0;
  nlohmann::json params = nlohmann::json::object();
  std::map<std::string, double> metrics;

  // Over all recorded steps.
  size_t steps = 0;
  size_t verified_steps = 0;
  double median_seconds = 0, p10_seconds = 0, p90_seconds = 0;
  std::optional<double> efficiency;  // lower_bound_seconds / median_seconds
  // Median over steps of bound_seconds / seconds: each step against the bound measured just
  // before it; only when every step carries its bound.
  std::optional<double> step_efficiency;
  // Median over the steps that have one of seconds / reference_seconds: each step against the
  // raw reference loop run right after it.
  std::optional<double> step_reference_ratio;
  std::optional<double> landed_gbps;  // bytes_per_step / median_seconds / 1e9

  // Within the median step: steps sorted by time, index (n-1)/2.
  int32_t median_step = -1;
  double median_step_seconds = 0;  // its wall window t_end - t_begin
  int32_t critical_rank = -1;      // the rank whose last event ends latest
  Spread bytes_out;                // per sending rank (trainers)
  Spread bytes_in;                 // per receiving rank (inference)
  Spread busy_seconds;             // per rank with events: union of its event intervals
  std::vector<StageStats> stages;  // in order of first appearance
  double idle_seconds = 0;         // no rank recorded anything; with the critical shares sums to the wall
  double overlap = 0;              // sum of stage union times / wall window
  // The stage with the largest rank_max_seconds, "commit" (the closing barrier) excluded: with
  // perfect overlap the step takes no longer than it (pipeline ratio = wall / this).
  std::string slowest_stage;
  double slowest_stage_seconds = 0;
  std::vector<OpStats> ops;  // of the median step, by kind (empty when the file has none)

  // Delta updates (steps that sent only what changed; docs/sparse.md). Medians over the
  // delta steps, and over the whole steps of the same run (--full-every) where it has some.
  size_t delta_steps = 0;
  std::optional<double> changed_fraction;  // elements changed / elements compared
  std::optional<double> wire_fraction;     // bytes sent / what a whole update sends (whole_bytes)
  std::optional<double> delta_seconds, full_seconds;
  // In the median delta step: wall time during which any rank encoded, and applied.
  std::optional<double> encode_seconds, apply_seconds;
  // The density up to which delta beats a whole update, if its cost grows in proportion to
  // the density: changed_fraction * full_seconds / delta_seconds.
  std::optional<double> break_even_density;
};

// The operations of `step` by kind, from a run's OpRecord rows.
std::vector<OpStats> op_stats(const std::vector<OpRecord>& rows, int32_t step);

RunStats compute_run_stats(const StrategyRun& run, const std::vector<RankInfo>& ranks, const std::string& file);
std::vector<RunStats> compute_file_stats(const RunFile& data, const std::string& file);

// Median-step helpers, shared with the trace and tests.
// Index into run.steps of the median step; -1 when there are no steps.
long median_step_index(const std::vector<StepRecord>& steps);

}  // namespace wxfer::report
