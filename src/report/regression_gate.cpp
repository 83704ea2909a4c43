#include "report/regression_gate.hpp"

#include <cstdio>
#include <sstream>

#include "common/units.hpp"

namespace wxfer::report {
namespace {

const RunStats* find_run(const std::vector<RunStats>& runs, const std::string& label) {
  for (const auto& r : runs)
    if (r.label == label) return &r;
  return nullptr;
}

const char* status_name(GateStatus s) {
  switch (s) {
    case GateStatus::ok:
      return "ok";
    case GateStatus::regressed:
      return "REGRESSED";
    case GateStatus::invalid:
      return "INVALID";
    case GateStatus::only_in_base:
      return "only in baseline";
    case GateStatus::only_in_new:
      return "only in new";
  }
  return "?";
}

std::string fixed(double value, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

std::string show(const GateRow& r, double v) {
  return r.metric == "efficiency" ? fixed(v * 100, "%.1f%%") : format_seconds(v > 0 ? 1.0 / v : 0);
}

// The stage whose wall-clock (union) time in the median step grew most from base to new.
void find_grown_stage(const RunStats& base, const RunStats& fresh, GateRow& row) {
  for (const auto& st : fresh.stages) {
    double before = 0;
    for (const auto& b : base.stages)
      if (b.stage == st.stage) before = b.union_seconds;
    const double growth = st.union_seconds - before;
    if (growth > row.grown_seconds) {
      row.grown_seconds = growth;
      row.grown_stage = st.stage;
    }
  }
}

// Why a run cannot stand in the comparison, or empty.
std::string unusable(const RunStats& s, const char* side) {
  if (s.steps == 0) return std::string("recorded no steps in the ") + side;
  if (s.verified_steps < s.steps)
    return std::string("has unverified steps in the ") + side + " (" + std::to_string(s.verified_steps) + " of " +
           std::to_string(s.steps) + " verified)";
  return "";
}

GateRow compare_one(const RunStats& base, const RunStats& fresh, double max_slowdown) {
  GateRow row;
  row.label = base.label;
  for (const std::string& why : {unusable(base, "baseline"), unusable(fresh, "new file")})
    if (!why.empty() && row.reason.empty()) {
      row.status = GateStatus::invalid;
      row.reason = "'" + row.label + "' " + why;
    }
  if (row.status == GateStatus::invalid) return row;
  const bool by_efficiency = base.efficiency && fresh.efficiency;
  row.metric = by_efficiency ? "efficiency" : "speed";
  auto speed = [](const RunStats& s) { return s.steps > 0 && s.median_seconds > 0 ? 1.0 / s.median_seconds : 0.0; };
  row.base_value = by_efficiency ? *base.efficiency : speed(base);
  row.new_value = by_efficiency ? *fresh.efficiency : speed(fresh);
  row.change = row.base_value > 0 ? row.new_value / row.base_value - 1.0 : 0.0;
  find_grown_stage(base, fresh, row);
  if (row.new_value < row.base_value * (1.0 - max_slowdown)) {
    row.status = GateStatus::regressed;
    std::ostringstream why;
    why << "'" << row.label << "' " << (by_efficiency ? "efficiency " : "median time ") << show(row, row.base_value) << " -> "
        << show(row, row.new_value) << " (" << fixed(row.change * 100, "%+.1f%%") << ", allowed -"
        << fixed(max_slowdown * 100, "%.1f%%") << ")";
    if (!row.grown_stage.empty())
      why << "; stage '" << row.grown_stage << "' grew most (+" << format_seconds(row.grown_seconds) << ")";
    else
      why << "; no stage grew (time went to waiting)";
    row.reason = why.str();
  }
  return row;
}

}  // namespace

GateResult compare_runs(const std::vector<RunStats>& base, const std::vector<RunStats>& fresh, double max_slowdown) {
  GateResult gate;
  gate.max_slowdown = max_slowdown;
  if (base.empty())
    gate.empty = "the baseline holds no runs";
  else if (fresh.empty())
    gate.empty = "the new file holds no runs";
  for (const auto& b : base) {
    const RunStats* n = find_run(fresh, b.label);
    if (n == nullptr) {
      GateRow row;
      row.label = b.label;
      row.status = GateStatus::only_in_base;
      row.reason = "'" + b.label + "' is missing from the new file";
      gate.rows.push_back(row);
    } else {
      gate.rows.push_back(compare_one(b, *n, max_slowdown));
    }
  }
  for (const auto& n : fresh)
    if (find_run(base, n.label) == nullptr) {
      GateRow row;
      row.label = n.label;
      row.status = GateStatus::only_in_new;
      row.reason = "'" + n.label + "' is not in the baseline";
      gate.rows.push_back(row);
    }
  return gate;
}

bool GateResult::passed(bool ignore_missing) const { return failure_line(ignore_missing).empty(); }

std::string GateResult::failure_line(bool ignore_missing) const {
  if (!empty.empty()) return "regression gate: " + empty;
  std::string line;
  for (const auto& r : rows) {
    const bool missing = r.status == GateStatus::only_in_base || r.status == GateStatus::only_in_new;
    const bool fails = r.status == GateStatus::regressed || r.status == GateStatus::invalid || (missing && !ignore_missing);
    if (!fails) continue;
    line += (line.empty() ? "regression: " : "; ") + r.reason;
  }
  return line;
}

std::string gate_markdown(const GateResult& gate) {
  std::ostringstream out;
  out << "\nRegression gate (max slowdown " << fixed(gate.max_slowdown * 100, "%.1f%%") << "):\n\n";
  out << "| run | metric | baseline | new | change | grew most | verdict |\n|---|---|---|---|---|---|---|\n";
  for (const auto& r : gate.rows) {
    const bool compared = r.status == GateStatus::ok || r.status == GateStatus::regressed;
    out << "| " << r.label << " | " << (compared ? r.metric : "-") << " | " << (compared ? show(r, r.base_value) : "-") << " | "
        << (compared ? show(r, r.new_value) : "-") << " | " << (compared ? fixed(r.change * 100, "%+.1f%%") : "-") << " | "
        << (r.grown_stage.empty() ? "-" : r.grown_stage + " +" + format_seconds(r.grown_seconds)) << " | "
        << status_name(r.status) << " |\n";
  }
  return out.str();
}

nlohmann::json gate_json(const GateResult& gate, bool ignore_missing) {
  static constexpr const char* json_status[] = {"ok", "regressed", "invalid", "only_in_baseline", "only_in_new"};
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : gate.rows) {
    const bool compared = r.status == GateStatus::ok || r.status == GateStatus::regressed;
    auto value = [compared](const auto& v) { return compared ? nlohmann::json(v) : nlohmann::json(nullptr); };
    rows.push_back({{"label", r.label},
                    {"status", json_status[static_cast<int>(r.status)]},
                    {"metric", value(r.metric)},
                    {"baseline", value(r.base_value)},
                    {"new", value(r.new_value)},
                    {"change", value(r.change)},
                    {"grown_stage", r.grown_stage.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.grown_stage)},
                    {"grown_seconds", value(r.grown_seconds)},
                    {"reason", r.reason}});
  }
  return {{"max_slowdown", gate.max_slowdown},
          {"passed", gate.passed(ignore_missing)},
          {"failure", gate.failure_line(ignore_missing)},
          {"runs", rows}};
}

}  // namespace wxfer::report
