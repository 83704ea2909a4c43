// Figures a source published for the case a run reproduces (`--published`, or a scenario
// file's [published] table): seconds per strategy, and who published them. Recorded in each
// matching run's params (published_seconds, published_by) so that `wxfer report` sets the
// measured or simulated update beside them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "record/run_record.hpp"

namespace wxfer::cli {

struct PublishedFigures {
  std::map<std::string, double> seconds;  // strategy -> a full update, seconds
  std::string by;                         // the source, e.g. "Perplexity (Sep 2025)"

  // `--published` values, each STRATEGY=SECONDS or by=SOURCE. UsageError naming the value
  // for an unknown strategy, a figure that is not a positive number, or a missing '='.
  static PublishedFigures parse(const std::vector<std::string>& entries);
  // Into the run's params when a figure names its strategy.
  void attach(StrategyRun& run) const;
  nlohmann::json json() const;
};

// One line per run that carries a published figure: the run's median against it.
std::string published_lines(const std::vector<StrategyRun>& runs);

}  // namespace wxfer::cli
