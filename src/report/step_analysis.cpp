#include "report/step_analysis.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "record/stages.hpp"
#include "report/intervals.hpp"

namespace wxfer::report {
namespace {

// Mean over `members` (every rank of one role, idle ones counting as 0) when roles are
// known, else over ranks with a non-zero value; max over the same set.
Spread spread_of(const std::map<int32_t, double>& values, const std::vector<int32_t>& members) {
  Spread s;
  std::vector<double> xs;
  if (!members.empty()) {
    for (int32_t r : members) {
      const auto it = values.find(r);
      xs.push_back(it == values.end() ? 0.0 : it->second);
    }
  } else {
    for (const auto& [r, v] : values)
      if (v > 0) xs.push_back(v);
  }
  if (xs.empty()) return s;
  double sum = 0;
  for (double x : xs) {
    sum += x;
    s.max = std::max(s.max, x);
  }
  s.mean = sum / static_cast<double>(xs.size());
  return s;
}

std::vector<int32_t> ranks_with_role(const std::vector<RankInfo>& ranks, const std::string& role) {
  std::vector<int32_t> out;
  for (const auto& r : ranks)
    if (r.role == role) out.push_back(r.rank);
  return out;
}

// Sweeps the step window: each instant goes to the stages active on the critical rank,
// split equally among them; while that rank waits (nothing recorded on it), to the stages
// active on the other ranks, which is what it waits for; to `idle` when no rank is busy.
void attribute_critical_path(const std::vector<const Event*>& in_step, int32_t critical_rank, double lo, double hi,
                             std::map<std::string, StageStats*>& by_stage, double& idle) {
  struct Edge {
    double t;
    int delta;
    StageStats* stage;
    bool critical;
  };
  std::vector<Edge> edges;
  for (const Event* e : in_step) {
    const double b = std::max(e->t_begin, lo), end = std::min(e->t_end, hi);
    if (end <= b) continue;
    StageStats* st = by_stage.at(stage_name(*e));
    edges.push_back({b, +1, st, e->rank == critical_rank});
    edges.push_back({end, -1, st, e->rank == critical_rank});
  }
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) { return a.t < b.t; });
  std::map<StageStats*, int> open_critical, open_any;
  auto charge = [](const std::map<StageStats*, int>& open, double length) {
    size_t active = 0;
    for (const auto& [st, n] : open) active += n > 0 ? 1 : 0;
    for (const auto& [st, n] : open)
      if (n > 0) st->critical_seconds += length / static_cast<double>(active);
    return active > 0;
  };
  double t = lo;
  size_t i = 0;
  while (t < hi) {
    const double next = i < edges.size() ? std::min(edges[i].t, hi) : hi;
    if (next > t) {
      if (!charge(open_critical, next - t) && !charge(open_any, next - t)) idle += next - t;
      t = next;
    }
    if (i >= edges.size()) break;
    for (; i < edges.size() && edges[i].t <= t; ++i) {
      open_any[edges[i].stage] += edges[i].delta;
      if (edges[i].critical) open_critical[edges[i].stage] += edges[i].delta;
    }
  }
}

}  // namespace

std::string stage_name(const Event& e) { return std::string(e.stage, strnlen(e.stage, sizeof(e.stage))); }

void analyze_step(const std::vector<Event>& events, const StepRecord& step, const std::vector<RankInfo>& ranks, RunStats& out) {
  std::vector<const Event*> in_step;
  for (const auto& e : events)
    if (e.step == step.step) in_step.push_back(&e);
  std::stable_sort(in_step.begin(), in_step.end(), [](const Event* a, const Event* b) { return a->t_begin < b->t_begin; });
  double lo = step.t_begin, hi = step.t_end;
  if (!(hi > lo) && !in_step.empty()) {  // no window recorded: the span of the events
    lo = std::numeric_limits<double>::infinity();
    hi = -lo;
    for (const Event* e : in_step) {
      lo = std::min(lo, e->t_begin);
      hi = std::max(hi, e->t_end);
    }
  }
  out.median_step_seconds = hi > lo ? hi - lo : 0;
  if (in_step.empty() || !(hi > lo)) return;

  std::map<std::string, StageStats*> by_stage;
  out.stages.clear();
  out.stages.reserve(in_step.size());
  for (const Event* e : in_step) {
    const std::string name = stage_name(*e);
    if (!by_stage.contains(name)) {
      StageStats st;
      st.stage = name;
      out.stages.push_back(st);
      by_stage[name] = nullptr;
    }
  }
  for (auto& st : out.stages) by_stage[st.stage] = &st;

  std::map<std::string, std::vector<Interval>> stage_intervals;
  std::map<int32_t, std::vector<Interval>> rank_intervals;
  std::map<std::pair<std::string, int32_t>, std::vector<Interval>> stage_rank_intervals;
  std::map<int32_t, double> sent, received;
  std::map<int32_t, std::string> role;
  for (const auto& r : ranks) role[r.rank] = r.role;
  const Event* last = in_step.front();
  for (const Event* e : in_step) {
    const std::string name = stage_name(*e);
    StageStats& st = *by_stage.at(name);
    ++st.events;
    st.bytes += e->bytes;
    st.busy_seconds += std::max(0.0, std::min(e->t_end, hi) - std::max(e->t_begin, lo));
    stage_intervals[name].push_back({e->t_begin, e->t_end});
    rank_intervals[e->rank].push_back({e->t_begin, e->t_end});
    stage_rank_intervals[{name, e->rank}].push_back({e->t_begin, e->t_end});
    if (e->t_end > last->t_end || (e->t_end == last->t_end && e->rank < last->rank)) last = e;
    if (!is_wire_stage(name)) continue;
    const auto bytes = static_cast<double>(e->bytes);
    if (e->peer >= 0 && e->peer != e->rank) {  // point-to-point: recorded by the sender
      sent[e->rank] += bytes;
      received[e->peer] += bytes;
    } else if (e->peer < 0) {  // collective: each participant records its own side
      (role[e->rank] == "inference" ? received : sent)[e->rank] += bytes;
    }
  }
  out.critical_rank = last->rank;

  for (auto& st : out.stages) st.union_seconds = union_length(stage_intervals[st.stage], lo, hi);
  for (const auto& [key, intervals] : stage_rank_intervals) {
    StageStats& st = *by_stage.at(key.first);
    st.rank_max_seconds = std::max(st.rank_max_seconds, union_length(intervals, lo, hi));
  }
  out.slowest_stage.clear();
  out.slowest_stage_seconds = 0;
  for (const auto& st : out.stages)
    if (st.stage != "commit" && st.rank_max_seconds > out.slowest_stage_seconds) {
      out.slowest_stage = st.stage;
      out.slowest_stage_seconds = st.rank_max_seconds;
    }
  double union_sum = 0;
  for (const auto& st : out.stages) union_sum += st.union_seconds;
  out.overlap = union_sum / (hi - lo);

  std::map<int32_t, double> busy;
  for (const auto& [r, intervals] : rank_intervals) busy[r] = union_length(intervals, lo, hi);
  out.busy_seconds = spread_of(busy, {});
  out.bytes_out = spread_of(sent, ranks_with_role(ranks, "trainer"));
  out.bytes_in = spread_of(received, ranks_with_role(ranks, "inference"));

  out.idle_seconds = 0;
  attribute_critical_path(in_step, out.critical_rank, lo, hi, by_stage, out.idle_seconds);
}

}  // namespace wxfer::report
