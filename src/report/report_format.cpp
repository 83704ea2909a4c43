#include "report/report_format.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "common/units.hpp"

namespace wxfer::report {
namespace {

// How runs are named: by label alone (one file), "name.h5:label", or "path/name.h5:label"
// when two files share a name.
FileNaming file_naming(const std::vector<RunStats>& runs) {
  std::set<std::string> files, names;
  for (const auto& r : runs) {
    files.insert(r.file);
    names.insert(std::filesystem::path(r.file).filename().string());
  }
  if (files.size() <= 1) return FileNaming::none;
  return names.size() == files.size() ? FileNaming::file_name : FileNaming::full_path;
}

std::string fixed(double value, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string percent(const std::optional<double>& v) { return v ? fixed(*v * 100.0, "%.1f%%") : "-"; }
std::string seconds_or_dash(double s, bool present) { return present ? format_seconds(s) : "-"; }
std::string bytes_or_dash(double b) { return b > 0 ? format_bytes(b) : "-"; }
std::string ratio_or_dash(double r) { return r > 0 ? fixed(r, "%.2f") : "-"; }

std::string short_seconds(double s) { return s > 0 ? format_seconds(s) : "0"; }

void row(std::ostringstream& out, const std::vector<std::string>& cells) {
  out << '|';
  for (const auto& c : cells) out << ' ' << c << " |";
  out << '\n';
}

const StageStats* find_stage(const RunStats& s, const std::string& stage) {
  for (const auto& st : s.stages)
    if (st.stage == stage) return &st;
  return nullptr;
}

}  // namespace

std::string run_name(const RunStats& s, FileNaming naming) {
  switch (naming) {
    case FileNaming::none:
      return s.label;
    case FileNaming::file_name:
      return std::filesystem::path(s.file).filename().string() + ":" + s.label;
    case FileNaming::full_path:
      return s.file + ":" + s.label;
  }
  return s.label;
}

std::string markdown_published(const std::vector<RunStats>& runs) {
  const FileNaming several = file_naming(runs);
  std::ostringstream out;
  bool any = false;
  for (const auto& s : runs) {
    if (!s.params.contains("published_seconds")) continue;
    if (!any) {
      out << "\nAgainst published figures (the case's source; configs/scenarios/): this run's median over the published "
             "full update.\n\n";
      row(out, {"run", "published by", "published", "this run", "this / published"});
      row(out, std::vector<std::string>(5, "---"));
      any = true;
    }
    const double published = s.params["published_seconds"].get<double>();
    const bool timed = s.steps > 0;
    row(out, {run_name(s, several), s.params.value("published_by", std::string("-")), format_seconds(published),
              seconds_or_dash(s.median_seconds, timed) + (s.simulated ? " (sim)" : ""),
              timed ? fixed(s.median_seconds / published, "%.3g") : "-"});
  }
  return out.str();
}

std::string markdown_summary(const std::vector<RunStats>& runs) {
  const FileNaming several = file_naming(runs);
  std::ostringstream out;
  row(out, {"run", "transport", "verified", "median", "landed GB/s", "lower bound", "efficiency", "raw reference",
            "median / reference"});
  row(out, std::vector<std::string>(9, "---"));
  for (const auto& s : runs) {
    const bool timed = s.steps > 0;
    const auto ref = s.metrics.find("reference_seconds");
    const bool has_ref = ref != s.metrics.end() && ref->second > 0;
    row(out, {run_name(s, several), s.transport + (s.simulated ? " (sim)" : ""),
              std::to_string(s.verified_steps) + "/" + std::to_string(s.steps), seconds_or_dash(s.median_seconds, timed),
              s.landed_gbps ? fixed(*s.landed_gbps, "%.2f") : "-",
              s.lower_bound_seconds > 0 ? format_seconds(s.lower_bound_seconds) + " (" + s.bound_kind + ")" : "-",
              percent(s.efficiency), has_ref ? format_seconds(ref->second) : "-",
              has_ref && timed ? fixed(s.median_seconds / ref->second, "%.2f") : "-"});
  }
  return out.str();
}

std::string markdown_report(const std::vector<RunStats>& runs) {
  const FileNaming several = file_naming(runs);
  std::ostringstream out;
  row(out, {"run", "strategy", "transport", "steps", "verified", "median", "p10", "p90", "lower bound", "efficiency",
            "step efficiency", "step / reference", "landed GB/s", "out/rank max", "out/rank mean", "in/rank max", "in/rank mean",
            "busy skew", "overlap"});
  row(out, std::vector<std::string>(19, "---"));
  for (const auto& s : runs) {
    const bool timed = s.steps > 0;
    row(out,
        {run_name(s, several), s.strategy, s.transport + (s.simulated ? " (sim)" : ""), std::to_string(s.steps),
         std::to_string(s.verified_steps) + "/" + std::to_string(s.steps), seconds_or_dash(s.median_seconds, timed),
         seconds_or_dash(s.p10_seconds, timed), seconds_or_dash(s.p90_seconds, timed),
         s.lower_bound_seconds > 0 ? format_seconds(s.lower_bound_seconds) + " (" + s.bound_kind + ")" : "-",
         percent(s.efficiency), percent(s.step_efficiency), s.step_reference_ratio ? fixed(*s.step_reference_ratio, "%.2f") : "-",
         s.landed_gbps ? fixed(*s.landed_gbps, "%.2f") : "-", bytes_or_dash(s.bytes_out.max), bytes_or_dash(s.bytes_out.mean),
         bytes_or_dash(s.bytes_in.max), bytes_or_dash(s.bytes_in.mean), ratio_or_dash(s.busy_seconds.skew()),
         ratio_or_dash(s.overlap)});
  }
  // Stages side by side: union time (critical-path share in parentheses), median step.
  std::vector<std::string> stages;
  for (const auto& s : runs)
    for (const auto& st : s.stages)
      if (std::find(stages.begin(), stages.end(), st.stage) == stages.end()) stages.push_back(st.stage);
  if (stages.empty()) return out.str() + markdown_published(runs);
  out << "\nStages in the median step: wall time during which any rank was in the stage (its critical-path share).\n\n";
  std::vector<std::string> header{"stage"};
  for (const auto& s : runs) header.push_back(run_name(s, several));
  row(out, header);
  row(out, std::vector<std::string>(header.size(), "---"));
  for (const auto& stage : stages) {
    std::vector<std::string> cells{stage};
    for (const auto& s : runs) {
      const StageStats* st = find_stage(s, stage);
      cells.push_back(st ? short_seconds(st->union_seconds) + " (" + short_seconds(st->critical_seconds) + ")" : "-");
    }
    row(out, cells);
  }
  std::vector<std::string> idle{"(no rank busy)"};
  for (const auto& s : runs) idle.push_back(s.stages.empty() ? "-" : short_seconds(s.idle_seconds));
  row(out, idle);
  // What the transports issued: the shape of the traffic (a put per row or a put per box).
  bool any_ops = false;
  for (const auto& s : runs) any_ops = any_ops || !s.ops.empty();
  if (any_ops) {
    out << "\nOperations the transports issued in the median step (all ranks; size classes [2^c, 2^(c+1)) bytes).\n\n";
    row(out, {"run", "kind", "operations", "busiest rank", "bytes", "mean size", "median size", "smallest", "largest"});
    row(out, std::vector<std::string>(9, "---"));
    const auto size_class = [](int c) { return format_bytes(static_cast<double>(uint64_t{1} << c)); };
    for (const auto& s : runs)
      for (const OpStats& o : s.ops)
        row(out,
            {run_name(s, several), o.kind, std::to_string(o.ops), std::to_string(o.busiest_rank_ops),
             format_bytes(static_cast<double>(o.bytes)), format_bytes(static_cast<double>(o.bytes) / static_cast<double>(o.ops)),
             size_class(o.median_class), size_class(o.smallest_class), size_class(o.largest_class)});
  }
  // Delta updates: what changed, what it cost on the wire and in time.
  bool any_delta = false;
  for (const auto& s : runs) any_delta = any_delta || s.delta_steps > 0;
  if (any_delta) {
    out << "\nDelta updates (steps that sent only what changed; medians over those steps, whole steps of the same run "
           "beside them; encode and apply: wall time in the median delta step).\n\n";
    row(out,
        {"run", "delta steps", "changed", "bytes sent / whole", "delta step", "whole step", "encode", "apply", "pays below"});
    row(out, std::vector<std::string>(9, "---"));
    const auto percent = [](const std::optional<double>& v) { return v ? fixed(100 * *v, "%.2f%%") : std::string("-"); };
    const auto seconds = [](const std::optional<double>& v) { return v ? format_seconds(*v) : std::string("-"); };
    for (const auto& s : runs) {
      if (s.delta_steps == 0) continue;
      row(out,
          {run_name(s, several), std::to_string(s.delta_steps) + "/" + std::to_string(s.steps), percent(s.changed_fraction),
           percent(s.wire_fraction), seconds(s.delta_seconds), seconds(s.full_seconds),
           s.encode_seconds ? short_seconds(*s.encode_seconds) : "-", s.apply_seconds ? short_seconds(*s.apply_seconds) : "-",
           s.break_even_density ? percent(s.break_even_density) + " changed" : "- (no whole steps: --full-every)"});
    }
  }
  out << "\nSlowest single stage (most time one rank spent in it, commit excluded) and median step / that time:";
  for (const auto& s : runs)
    if (s.slowest_stage_seconds > 0)
      out << ' ' << run_name(s, several) << ": " << s.slowest_stage << ' ' << format_seconds(s.slowest_stage_seconds) << " ("
          << fixed(s.median_step_seconds / s.slowest_stage_seconds, "%.2fx") << ");";
  out << '\n';
  return out.str() + markdown_published(runs);
}

nlohmann::json run_json(const RunStats& s) {
  auto optional = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  auto spread = [](const Spread& sp) { return nlohmann::json{{"max", sp.max}, {"mean", sp.mean}, {"skew", sp.skew()}}; };
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& st : s.stages)
    stages.push_back({{"stage", st.stage},
                      {"critical_seconds", st.critical_seconds},
                      {"union_seconds", st.union_seconds},
                      {"busy_seconds", st.busy_seconds},
                      {"rank_max_seconds", st.rank_max_seconds},
                      {"bytes", st.bytes},
                      {"events", st.events}});
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& o : s.ops)
    ops.push_back({{"kind", o.kind},
                   {"ops", o.ops},
                   {"bytes", o.bytes},
                   {"busiest_rank_ops", o.busiest_rank_ops},
                   {"smallest_size_class", o.smallest_class},
                   {"median_size_class", o.median_class},
                   {"largest_size_class", o.largest_class}});
  const bool timed = s.steps > 0;
  auto timed_value = [timed](double v) { return timed ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j = {{"file", s.file},
                      {"label", s.label},
                      {"strategy", s.strategy},
                      {"transport", s.transport},
                      {"simulated", s.simulated},
                      {"bound_kind", s.bound_kind},
                      {"lower_bound_seconds", s.lower_bound_seconds},
                      {"bytes_per_step", s.bytes_per_step},
                      {"params", s.params},
                      {"metrics", s.metrics},
                      {"steps", s.steps},
                      {"verified_steps", s.verified_steps},
                      {"median_seconds", timed_value(s.median_seconds)},
                      {"p10_seconds", timed_value(s.p10_seconds)},
                      {"p90_seconds", timed_value(s.p90_seconds)},
                      {"efficiency", optional(s.efficiency)},
                      {"step_efficiency", optional(s.step_efficiency)},
                      {"step_reference_ratio", optional(s.step_reference_ratio)},
                      {"landed_GBps", optional(s.landed_gbps)},
                      {"median_step",
                       {{"step", s.median_step},
                        {"wall_seconds", s.median_step_seconds},
                        {"critical_rank", s.critical_rank},
                        {"idle_seconds", s.idle_seconds},
                        {"overlap", s.overlap},
                        {"slowest_stage", s.slowest_stage},
                        {"slowest_stage_seconds", s.slowest_stage_seconds},
                        {"bytes_out_per_rank", spread(s.bytes_out)},
                        {"bytes_in_per_rank", spread(s.bytes_in)},
                        {"busy_seconds_per_rank", spread(s.busy_seconds)},
                        {"stages", stages},
                        {"ops", ops}}},
                      {"delta",
                       {{"steps", s.delta_steps},
                        {"changed_fraction", optional(s.changed_fraction)},
                        {"wire_fraction", optional(s.wire_fraction)},
                        {"delta_seconds", optional(s.delta_seconds)},
                        {"full_seconds", optional(s.full_seconds)},
                        {"encode_seconds", optional(s.encode_seconds)},
                        {"apply_seconds", optional(s.apply_seconds)},
                        {"break_even_density", optional(s.break_even_density)}}}};
  // The case's published full update, and this run's median over it (configs/scenarios/).
  if (s.params.contains("published_seconds") && timed)
    j["vs_published"] = s.median_seconds / s.params["published_seconds"].get<double>();
  return j;
}

}  // namespace wxfer::report
