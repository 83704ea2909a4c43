#include "sim/output.hpp"

#include <cstdio>
#include <sstream>

#include "common/error.hpp"
#include "common/units.hpp"

#include "record/run_file.hpp"

namespace wxfer {

void write_sim_file(const RunFile& file, const std::string& path) { write_run_file(file, path); }

std::string sim_table(const SimResult& r) {
  std::ostringstream o;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %12s %12s %10s %10s %9s\n", "run", "simulated", "lower bound", "efficiency", "flows",
                "wall");
  o << line;
  for (const auto& row : r.rows) {
    std::snprintf(line, sizeof line, "%-28s %12s %12s %9.1f%% %10llu %8.2fs\n", row.label.c_str(),
                  format_seconds(row.seconds).c_str(), format_seconds(row.lower_bound_seconds).c_str(),
                  row.seconds > 0 ? 100 * row.lower_bound_seconds / row.seconds : 0.0, static_cast<unsigned long long>(row.flows),
                  row.wall_seconds);
    o << line;
  }
  return o.str();
}

nlohmann::json sim_json(const SimResult& r) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& row : r.rows)
    runs.push_back({{"label", row.label},
                    {"strategy", row.strategy},
                    {"inference_ranks", row.inference_ranks},
                    {"seconds", row.seconds},
                    {"lower_bound_seconds", row.lower_bound_seconds},
                    {"efficiency", row.seconds > 0 ? row.lower_bound_seconds / row.seconds : 0.0},
                    {"events", row.events},
                    {"flows", row.flows},
                    {"timeline_digest", row.digest}});
  return {{"kind", "sim"}, {"config", r.file.config}, {"runs", runs}};
}

}  // namespace wxfer
