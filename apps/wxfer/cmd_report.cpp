// `wxfer report`: statistics of run files side by side, and the CI regression gate.
#include <iostream>
#include <stdexcept>

#include "commands.hpp"
#include "common/error.hpp"
#include "common/units.hpp"
#include "record/run_file.hpp"
#include "report/regression_gate.hpp"
#include "report/report_format.hpp"
#include "report/run_stats.hpp"
#include "report/validation.hpp"

namespace wxfer::cli {
namespace {

// Not a usage error: the input was fine, the numbers were not. Exits 1 with one line.
class RegressionFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ReportArgs {
  std::vector<std::string> files;
  std::string baseline;
  std::string max_slowdown;
  bool ignore_missing = false;
  bool json = false;
};

// Each file's machine, as the table's footnote and the JSON's "machines".
struct Machines {
  nlohmann::json json = nlohmann::json::array();
  std::string text;
  void add(const std::string& path, const nlohmann::json& m) {
    if (m.empty()) return;
    json.push_back({{"file", path}, {"machine", m}});
    text += "measured on " + m.value("host", std::string("?")) + ": " + m.value("cpu_model", std::string("?")) + ", " +
            m.value("cpus", std::string("?")) + " CPUs, " + m.value("memory_gib", std::string("?")) + " GiB, " +
            m.value("kernel", std::string("?")) + (m.value("virtualized", std::string()) == "yes" ? ", virtual machine" : "") +
            " (" + path + ")\n";
  }
};

std::vector<report::RunStats> stats_of(const std::string& path, Machines& machines) {
  const RunFile file = read_run_file(path);
  machines.add(path, file.machine);
  return report::compute_file_stats(file, path);
}

void run_report(const ReportArgs& a) {
  if (a.baseline.empty() && !a.max_slowdown.empty()) throw_usage("--max-slowdown needs --baseline BASE.h5");
  if (a.baseline.empty() && a.ignore_missing) throw_usage("--ignore-missing needs --baseline BASE.h5");
  if (!a.baseline.empty() && a.files.size() != 1)
    throw_usage("with --baseline give exactly one new file, got " + std::to_string(a.files.size()));
  double allowance = 0.1;
  if (!a.max_slowdown.empty()) {
    allowance = parse_fraction(a.max_slowdown, "--max-slowdown");
    if (allowance >= 1.0) throw_usage("invalid --max-slowdown '" + a.max_slowdown + "': must be below 100% (1.0)");
  }
  std::vector<report::RunStats> all;
  std::vector<report::RunStats> base;
  Machines machines;
  if (!a.baseline.empty()) {
    base = stats_of(a.baseline, machines);
    all = base;
  }
  std::vector<report::RunStats> newest;
  for (const auto& f : a.files) {
    auto runs = stats_of(f, machines);
    if (newest.empty()) newest = runs;
    all.insert(all.end(), runs.begin(), runs.end());
  }
  const auto validation = report::validation_rows(all);
  nlohmann::json j = {{"runs", nlohmann::json::array()}, {"machines", machines.json}};
  if (!validation.empty()) j["validation"] = report::validation_json(validation);
  for (const auto& s : all) j["runs"].push_back(report::run_json(s));
  std::string failure;
  if (!a.baseline.empty()) {
    const auto gate = report::compare_runs(base, newest, allowance);
    failure = gate.failure_line(a.ignore_missing);
    if (a.json)
      j["gate"] = report::gate_json(gate, a.ignore_missing);
    else
      std::cout << report::markdown_report(all) << machines.text << report::gate_markdown(gate);
  } else if (!a.json) {
    std::cout << report::markdown_report(all) << report::validation_markdown(validation) << machines.text;
  }
  if (a.json) std::cout << j.dump(2) << "\n";
  std::cout.flush();
  if (!failure.empty()) throw RegressionFound(failure);
}

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Compare run files side by side; with --baseline, gate regressions");
  cmd->add_option("files", args->files, "Run files (.h5) written by wxfer run / sim")->required();
  cmd->add_option("--baseline", args->baseline, "Compare the (single) new file against this one; exit 1 on regression");
  cmd->add_option("--max-slowdown", args->max_slowdown, "Allowed efficiency loss, e.g. 10% or 0.1 (default 10%)");
  cmd->add_flag("--ignore-missing", args->ignore_missing, "A run in only one of the two files does not fail the gate");
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->callback([args] { run_report(*args); });
}

const CommandRegistrar registrar{"report", 60, add_report_command};

}  // namespace
}  // namespace wxfer::cli
