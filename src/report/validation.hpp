// Simulator validation as data: a file with measured run groups `<strategy>@round=K` and
// simulated ones `<strategy>@round=K,cal=C` (scripts/validate-sim merges them) is read as,
// per strategy and round, the simulated time (the mean over the calibrations around the run)
// against the measured median; over the rounds, the median error and the worst one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/run_stats.hpp"

namespace wxfer::report {

struct ValidationRow {
  std::string strategy;
  std::vector<int> rounds;
  std::vector<double> measured_seconds, simulated_seconds, errors;  // per round; error = sim / measured - 1
  double median_error = 0;
  double worst_error = 0;  // the largest in magnitude
  int within = 0;          // rounds within kValidationTolerance
};

inline constexpr double kValidationTolerance = 0.15;

// Empty when the runs hold no measured and simulated pair of one round.
std::vector<ValidationRow> validation_rows(const std::vector<RunStats>& runs);
std::string validation_markdown(const std::vector<ValidationRow>& rows);
nlohmann::json validation_json(const std::vector<ValidationRow>& rows);

}  // namespace wxfer::report
