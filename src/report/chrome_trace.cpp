#include "report/chrome_trace.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "common/error.hpp"
#include "report/step_analysis.hpp"

namespace wxfer::report {
namespace {

std::vector<const StrategyRun*> selected_runs(const RunFile& data, const std::optional<std::string>& only_run) {
  std::vector<const StrategyRun*> runs;
  for (const auto& r : data.runs)
    if (!only_run || r.label == *only_run) runs.push_back(&r);
  if (only_run && runs.empty()) {
    std::string labels;
    for (const auto& r : data.runs) labels += (labels.empty() ? "" : ", ") + r.label;
    throw_usage("no run '" + *only_run + "' in the file (runs: " + (labels.empty() ? "none" : labels) + ")");
  }
  return runs;
}

nlohmann::json metadata(const char* name, int pid, int tid, const nlohmann::json& args) {
  return {{"ph", "M"}, {"name", name}, {"pid", pid}, {"tid", tid}, {"args", args}};
}

// Integer nanoseconds from the origin, so that lane assignment and output agree exactly.
int64_t to_ns(double seconds, double origin) { return std::llround((seconds - origin) * 1e9); }

// Assigns each event of one stage on one rank to the first lane free at its start.
std::vector<int> assign_lanes(const std::vector<const Event*>& events, double origin) {
  std::vector<int64_t> lane_end;
  std::vector<int> lanes;
  for (const Event* e : events) {
    const int64_t begin = to_ns(e->t_begin, origin), end = std::max(begin, to_ns(e->t_end, origin));
    size_t lane = 0;
    while (lane < lane_end.size() && lane_end[lane] > begin) ++lane;
    if (lane == lane_end.size())
      lane_end.push_back(end);
    else
      lane_end[lane] = end;
    lanes.push_back(static_cast<int>(lane));
  }
  return lanes;
}

}  // namespace

nlohmann::json chrome_trace(const RunFile& data, const std::optional<std::string>& only_run) {
  const auto runs = selected_runs(data, only_run);
  double origin = std::numeric_limits<double>::infinity();
  for (const StrategyRun* run : runs)
    for (const auto& e : run->events) origin = std::min(origin, e.t_begin);
  if (!std::isfinite(origin)) origin = 0;

  nlohmann::json events = nlohmann::json::array();
  int pid = 0;
  for (const StrategyRun* run : runs) {
    std::map<int32_t, const RankInfo*> rank_info;  // per run: merged files mix jobs
    for (const auto& r : ranks_of(data, *run)) rank_info[r.rank] = &r;
    // Events by rank, then by stage (in order of first appearance on that rank).
    std::map<int32_t, std::vector<std::pair<std::string, std::vector<const Event*>>>> by_rank;
    std::vector<const Event*> sorted;
    for (const auto& e : run->events) sorted.push_back(&e);
    std::stable_sort(sorted.begin(), sorted.end(), [](const Event* a, const Event* b) { return a->t_begin < b->t_begin; });
    for (const Event* e : sorted) {
      auto& stages = by_rank[e->rank];
      const std::string name = stage_name(*e);
      auto it = std::find_if(stages.begin(), stages.end(), [&](const auto& s) { return s.first == name; });
      if (it == stages.end()) it = stages.insert(stages.end(), {name, {}});
      it->second.push_back(e);
    }
    for (const auto& [rank, stages] : by_rank) {
      ++pid;
      const auto info = rank_info.find(rank);
      std::string pname = run->label + ": rank " + std::to_string(rank);
      if (info != rank_info.end()) pname += " (" + info->second->role + ", " + info->second->host + ")";
      events.push_back(metadata("process_name", pid, 0, {{"name", pname}}));
      events.push_back(metadata("process_sort_index", pid, 0, {{"sort_index", pid}}));
      int tid = 0;
      for (const auto& [stage, stage_events] : stages) {
        const std::vector<int> lanes = assign_lanes(stage_events, origin);
        const int lane_count = lanes.empty() ? 0 : *std::max_element(lanes.begin(), lanes.end()) + 1;
        for (int lane = 0; lane < lane_count; ++lane) {
          const std::string tname = lane == 0 ? stage : stage + " #" + std::to_string(lane + 1);
          events.push_back(metadata("thread_name", pid, tid + lane + 1, {{"name", tname}}));
          events.push_back(metadata("thread_sort_index", pid, tid + lane + 1, {{"sort_index", tid + lane + 1}}));
        }
        for (size_t i = 0; i < stage_events.size(); ++i) {
          const Event& e = *stage_events[i];
          const int64_t begin = to_ns(e.t_begin, origin), end = std::max(begin, to_ns(e.t_end, origin));
          events.push_back({{"ph", "X"},
                            {"name", stage},
                            {"cat", run->strategy},
                            {"pid", pid},
                            {"tid", tid + lanes[i] + 1},
                            {"ts", static_cast<double>(begin) / 1e3},
                            {"dur", static_cast<double>(end - begin) / 1e3},
                            {"args", {{"bytes", e.bytes}, {"peer", e.peer}, {"bucket", e.bucket}, {"step", e.step}}}});
        }
        tid += lane_count;
      }
    }
  }
  return {{"traceEvents", events},
          {"displayTimeUnit", "ms"},
          {"otherData", {{"wxfer_version", data.wxfer_version}, {"kind", data.kind}, {"created", data.created}}}};
}

}  // namespace wxfer::report
