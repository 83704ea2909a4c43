#include "report/run_stats.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>

#include "common/stats.hpp"
#include "report/step_analysis.hpp"

namespace wxfer::report {

long median_step_index(const std::vector<StepRecord>& steps) {
  if (steps.empty()) return -1;
  std::vector<size_t> order(steps.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return steps[a].seconds < steps[b].seconds || (steps[a].seconds == steps[b].seconds && steps[a].step < steps[b].step);
  });
  return static_cast<long>(order[median_position(order.size())]);
}

RunStats compute_run_stats(const StrategyRun& run, const std::vector<RankInfo>& ranks, const std::string& file) {
  RunStats s;
  s.file = file;
  s.label = run.label;
  s.strategy = run.strategy;
  s.transport = run.transport;
  s.bound_kind = run.bound_kind;
  s.simulated = run.simulated;
  s.lower_bound_seconds = run.lower_bound_seconds;
  s.bytes_per_step = run.bytes_per_step;
  s.params = run.params;
  s.metrics = run.metrics;
  s.steps = run.steps.size();
  std::vector<double> seconds, paired, against_reference;
  for (const auto& step : run.steps) {
    seconds.push_back(step.seconds);
    if (step.verified != 0) ++s.verified_steps;
    if (step.bound_seconds > 0 && step.seconds > 0) paired.push_back(step.bound_seconds / step.seconds);
    if (step.reference_seconds > 0) against_reference.push_back(step.seconds / step.reference_seconds);
  }
  if (seconds.empty()) return s;
  s.median_seconds = median(seconds);
  s.p10_seconds = percentile(seconds, 0.1);
  s.p90_seconds = percentile(seconds, 0.9);
  if (paired.size() == seconds.size()) s.step_efficiency = median(paired);
  if (!against_reference.empty()) s.step_reference_ratio = median(against_reference);
  if (s.median_seconds > 0) {
    if (run.lower_bound_seconds > 0) s.efficiency = run.lower_bound_seconds / s.median_seconds;
    if (run.bytes_per_step > 0) s.landed_gbps = static_cast<double>(run.bytes_per_step) / s.median_seconds / 1e9;
  }
  std::vector<double> changed, wire, delta_seconds, full_seconds;
  std::vector<StepRecord> delta_steps;
  for (const auto& step : run.steps) {
    if (step.delta == 0) {
      full_seconds.push_back(step.seconds);
      continue;
    }
    delta_seconds.push_back(step.seconds);
    delta_steps.push_back(step);
    if (step.changed_fraction >= 0) changed.push_back(step.changed_fraction);
    const uint64_t whole = step.whole_bytes > 0 ? step.whole_bytes : run.bytes_per_step;
    if (whole > 0) wire.push_back(static_cast<double>(step.bytes_landed) / static_cast<double>(whole));
  }
  s.delta_steps = delta_seconds.size();
  if (!delta_seconds.empty()) {
    s.delta_seconds = median(delta_seconds);
    RunStats of_delta;
    analyze_step(run.events, delta_steps[static_cast<size_t>(median_step_index(delta_steps))], ranks, of_delta);
    for (const StageStats& st : of_delta.stages) {
      if (st.stage == "encode") s.encode_seconds = st.union_seconds;
      if (st.stage == "apply") s.apply_seconds = st.union_seconds;
    }
    if (!changed.empty()) s.changed_fraction = median(changed);
    if (!wire.empty()) s.wire_fraction = median(wire);
    if (!full_seconds.empty()) {
      s.full_seconds = median(full_seconds);
      if (s.changed_fraction && *s.delta_seconds > 0)
        s.break_even_density = std::min(1.0, *s.changed_fraction * *s.full_seconds / *s.delta_seconds);
    }
  }
  const StepRecord& median = run.steps[static_cast<size_t>(median_step_index(run.steps))];
  s.median_step = median.step;
  analyze_step(run.events, median, ranks, s);
  s.ops = op_stats(run.ops, median.step);
  return s;
}

std::vector<OpStats> op_stats(const std::vector<OpRecord>& rows, int32_t step) {
  std::vector<OpStats> out;
  std::map<std::string, std::map<int, uint64_t>> classes;  // kind -> size class -> ops
  std::map<std::string, std::map<int32_t, uint64_t>> per_rank;
  for (const OpRecord& r : rows) {
    if (r.step != step) continue;
    const std::string kind(r.kind, strnlen(r.kind, sizeof r.kind));
    auto it = std::find_if(out.begin(), out.end(), [&](const OpStats& o) { return o.kind == kind; });
    if (it == out.end()) it = out.insert(out.end(), OpStats{kind});
    it->ops += r.ops;
    it->bytes += r.bytes;
    classes[kind][r.size_class] += r.ops;
    per_rank[kind][r.rank] += r.ops;
  }
  for (OpStats& o : out) {
    const auto& c = classes[o.kind];
    o.smallest_class = c.begin()->first;
    o.largest_class = c.rbegin()->first;
    uint64_t seen = 0;
    for (const auto& [size_class, n] : c) {
      seen += n;
      if (2 * seen >= o.ops) {
        o.median_class = size_class;
        break;
      }
    }
    for (const auto& [rank, n] : per_rank[o.kind]) o.busiest_rank_ops = std::max(o.busiest_rank_ops, n);
  }
  return out;
}

std::vector<RunStats> compute_file_stats(const RunFile& data, const std::string& file) {
  std::vector<RunStats> stats;
  for (const auto& run : data.runs) stats.push_back(compute_run_stats(run, ranks_of(data, run), file));
  return stats;
}

}  // namespace wxfer::report
