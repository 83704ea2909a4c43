// The CI regression gate: a new file against a baseline, run by run (matched by label).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_stats.hpp"

namespace wxfer::report {

enum class GateStatus { ok, regressed, only_in_base, only_in_new };

struct GateRow {
  std::string label;
  GateStatus status = GateStatus::ok;
  // What is compared: efficiency when both runs have a lower bound, else 1 / median time.
  std::string metric;  // "efficiency" or "speed"
  double base_value = 0, new_value = 0;
  double change = 0;         // new / base - 1 (negative = slower)
  std::string grown_stage;   // stage whose union time grew most; empty when none grew
  double grown_seconds = 0;  // by how much
  std::string reason;        // one line when regressed
};

struct GateResult {
  double max_slowdown = 0;
  std::vector<GateRow> rows;
  bool passed(bool missing_runs_fail) const;
  // "regression: 'broadcast' efficiency 40.0% -> 20.0% ...; ..." for every failing row.
  std::string failure_line(bool missing_runs_fail) const;
};

// A run regresses when value(new) < value(base) * (1 - max_slowdown).
GateResult compare_runs(const std::vector<RunStats>& base, const std::vector<RunStats>& fresh, double max_slowdown);

std::string gate_markdown(const GateResult& gate);
nlohmann::json gate_json(const GateResult& gate, bool missing_runs_fail);

}  // namespace wxfer::report
