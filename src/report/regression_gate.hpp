// The CI regression gate: a new file against a baseline, run by run (matched by label).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_stats.hpp"

namespace wxfer::report {

// invalid: a run that cannot be compared (no steps, or steps not verified, on either side).
enum class GateStatus { ok, regressed, invalid, only_in_base, only_in_new };

struct GateRow {
  std::string label;
  GateStatus status = GateStatus::ok;
  // What is compared: efficiency when both runs have a lower bound, else 1 / median time.
  std::string metric;  // "efficiency" or "speed"
  double base_value = 0, new_value = 0;
  double change = 0;         // new / base - 1 (negative = slower)
  std::string grown_stage;   // stage whose union time grew most; empty when none grew
  double grown_seconds = 0;  // by how much
  std::string reason;        // one line when regressed, invalid or missing
};

struct GateResult {
  double max_slowdown = 0;
  std::vector<GateRow> rows;
  std::string empty;  // "the baseline holds no runs" / "the new file holds no runs"; empty when both have runs
  // Fails on a regressed or invalid run, on an empty file, and (unless `ignore_missing`) on a
  // run present in only one file.
  bool passed(bool ignore_missing) const;
  // "regression: 'broadcast' efficiency 40.0% -> 20.0% ...; ..." for every failing row.
  std::string failure_line(bool ignore_missing) const;
};

// A run regresses when value(new) < value(base) * (1 - max_slowdown); it is invalid when either
// side recorded no steps or has steps that were not verified.
GateResult compare_runs(const std::vector<RunStats>& base, const std::vector<RunStats>& fresh, double max_slowdown);

std::string gate_markdown(const GateResult& gate);
nlohmann::json gate_json(const GateResult& gate, bool ignore_missing);

}  // namespace wxfer::report
