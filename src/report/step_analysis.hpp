// What happened inside one step: per-stage breakdown, per-rank traffic and busy time.
#pragma once

#include <vector>

#include "record/run_record.hpp"
#include "report/run_stats.hpp"

namespace wxfer::report {

// The stage name of an event (the field is NUL-padded, not necessarily NUL-terminated).
std::string stage_name(const Event& e);

// Fills the median-step fields of `out` (median_step_seconds, critical_rank, bytes_out,
// bytes_in, busy_seconds, stages, idle_seconds, overlap) from the events whose
// `step` is `step.step`, clipped to the step's window [t_begin, t_end].
void analyze_step(const std::vector<Event>& events, const StepRecord& step, const std::vector<RankInfo>& ranks, RunStats& out);

}  // namespace wxfer::report
