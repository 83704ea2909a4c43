#include "report/validation.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "common/stats.hpp"
#include "common/units.hpp"

namespace wxfer::report {
namespace {

// "round=3" or "round=3,cal=1" after the '@' of a label; -1 when it is not one.
int round_of(const std::string& label, bool& simulated_label) {
  const auto at = label.find("@round=");
  if (at == std::string::npos) return -1;
  const std::string rest = label.substr(at + 7);
  simulated_label = rest.find(",cal=") != std::string::npos;
  try {
    return std::stoi(rest);
  } catch (const std::exception&) {
    return -1;
  }
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f%%", 100 * x);
  return buf;
}

}  // namespace

std::vector<ValidationRow> validation_rows(const std::vector<RunStats>& runs) {
  // strategy -> round -> (measured median, simulated times)
  std::map<std::string, std::map<int, std::pair<std::optional<double>, std::vector<double>>>> by;
  for (const RunStats& r : runs) {
    bool simulated_label = false;
    const int round = round_of(r.label, simulated_label);
    if (round < 0 || r.steps == 0 || simulated_label != r.simulated) continue;
    auto& cell = by[r.strategy][round];
    if (r.simulated)
      cell.second.push_back(r.median_seconds);
    else
      cell.first = r.median_seconds;
  }
  std::vector<ValidationRow> out;
  for (const auto& [strategy, rounds] : by) {
    ValidationRow row;
    row.strategy = strategy;
    for (const auto& [round, cell] : rounds) {
      if (!cell.first || cell.second.empty() || *cell.first <= 0) continue;
      double sim = 0;
      for (double s : cell.second) sim += s;
      sim /= static_cast<double>(cell.second.size());
      row.rounds.push_back(round);
      row.measured_seconds.push_back(*cell.first);
      row.simulated_seconds.push_back(sim);
      row.errors.push_back(sim / *cell.first - 1);
    }
    if (row.errors.empty()) continue;
    row.median_error = median(row.errors);
    for (double e : row.errors) {
      if (std::abs(e) > std::abs(row.worst_error)) row.worst_error = e;
      if (std::abs(e) <= kValidationTolerance) ++row.within;
    }
    out.push_back(row);
  }
  return out;
}

std::string validation_markdown(const std::vector<ValidationRow>& rows) {
  if (rows.empty()) return "";
  std::ostringstream out;
  out << "\nSimulated against measured (simulated: the mean over the calibrations around the run; error = simulated / "
         "measured - 1):\n\n| strategy | rounds | median error | worst round | within 15% | each round (measured -> "
         "simulated, error) |\n|---|---|---|---|---|---|\n";
  for (const ValidationRow& r : rows) {
    out << "| " << r.strategy << " | " << r.errors.size() << " | " << percent(r.median_error) << " | " << percent(r.worst_error)
        << " | " << r.within << " of " << r.errors.size() << " | ";
    for (size_t i = 0; i < r.errors.size(); ++i)
      out << (i ? "; " : "") << r.rounds[i] << ": " << format_seconds(r.measured_seconds[i]) << " -> "
          << format_seconds(r.simulated_seconds[i]) << " (" << percent(r.errors[i]) << ")";
    out << " |\n";
  }
  return out.str();
}

nlohmann::json validation_json(const std::vector<ValidationRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const ValidationRow& r : rows)
    out.push_back({{"strategy", r.strategy},
                   {"rounds", r.rounds},
                   {"measured_seconds", r.measured_seconds},
                   {"simulated_seconds", r.simulated_seconds},
                   {"errors", r.errors},
                   {"median_error", r.median_error},
                   {"worst_error", r.worst_error},
                   {"within_tolerance", r.within}});
  return out;
}

}  // namespace wxfer::report
