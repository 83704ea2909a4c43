// `wxfer trace`: a run file as a Chrome / Perfetto trace (open in ui.perfetto.dev).
#include <fstream>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "common/error.hpp"
#include "record/run_file.hpp"
#include "report/chrome_trace.hpp"

namespace wxfer::cli {
namespace {

struct TraceArgs {
  std::string file;
  std::string output;
  std::string run;
};

void run_trace(const TraceArgs& a) {
  const RunFile data = read_run_file(a.file);
  const auto only = a.run.empty() ? std::nullopt : std::optional<std::string>(a.run);
  const nlohmann::json trace = report::chrome_trace(data, only);
  std::ofstream out(a.output);
  if (!out) throw_usage("cannot write '" + a.output + "'");
  out << trace.dump() << "\n";
  out.close();
  if (!out) throw_system_error("write(" + a.output + ")", "writing the trace failed");
  size_t slices = 0;
  for (const auto& e : trace["traceEvents"]) slices += e["ph"] == "X" ? 1 : 0;
  std::cout << "wrote " << a.output << " (" << slices << " events); open it in https://ui.perfetto.dev\n";
}

void add_trace_command(CLI::App& app) {
  auto args = std::make_shared<TraceArgs>();
  auto* cmd = app.add_subcommand("trace", "Write a run file's events as a Chrome/Perfetto trace (JSON)");
  cmd->add_option("file", args->file, "Run file (.h5)")->required();
  cmd->add_option("-o,--output", args->output, "Trace file to write, e.g. trace.json")->required();
  cmd->add_option("--run", args->run, "Only this run group (label); default: all, one process per (run, rank)");
  cmd->callback([args] { run_trace(*args); });
}

const CommandRegistrar registrar{"trace", 70, add_trace_command};

}  // namespace
}  // namespace wxfer::cli
