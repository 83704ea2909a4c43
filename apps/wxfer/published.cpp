#include "published.hpp"

#include <cmath>
#include <cstdio>

#include "common/error.hpp"
#include "common/stats.hpp"
#include "common/units.hpp"
#include "strategy/strategy.hpp"

namespace wxfer::cli {

PublishedFigures PublishedFigures::parse(const std::vector<std::string>& entries) {
  PublishedFigures out;
  for (const std::string& entry : entries) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0)
      throw_usage("invalid --published '" + entry + "': expected STRATEGY=SECONDS or by=SOURCE");
    const std::string key = entry.substr(0, eq), value = entry.substr(eq + 1);
    if (key == "by") {
      out.by = value;
      continue;
    }
    find_strategy(key);  // UsageError naming an unknown strategy
    double seconds = 0;
    size_t used = 0;
    try {
      seconds = std::stod(value, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != value.size() || !std::isfinite(seconds) || seconds <= 0)
      throw_usage("invalid --published '" + entry + "': the seconds must be a positive number");
    out.seconds[key] = seconds;
  }
  return out;
}

void PublishedFigures::attach(StrategyRun& run) const {
  const auto it = seconds.find(run.strategy);
  if (it == seconds.end()) return;
  run.params["published_seconds"] = it->second;
  run.params["published_by"] = by;
}

std::string published_lines(const std::vector<StrategyRun>& runs) {
  std::string out;
  for (const StrategyRun& run : runs) {
    if (!run.params.contains("published_seconds") || run.steps.empty()) continue;
    std::vector<double> seconds;
    for (const StepRecord& s : run.steps) seconds.push_back(s.seconds);
    const double mine = median(seconds), theirs = run.params["published_seconds"].get<double>();
    const std::string by = run.params.value("published_by", std::string());
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.3gx", mine / theirs);
    out += run.label + ": " + (run.simulated ? "simulated " : "measured ") + format_seconds(mine) + ", published " +
           format_seconds(theirs) + (by.empty() ? "" : " by " + by) + ": " + ratio + "\n";
  }
  return out;
}

nlohmann::json PublishedFigures::json() const {
  nlohmann::json j = {{"seconds", seconds}};
  if (!by.empty()) j["by"] = by;
  return j;
}

}  // namespace wxfer::cli
