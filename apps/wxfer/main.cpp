// wxfer: weight-transfer benchmark and simulator. The single place where errors are caught.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "common/build_info.hpp"
#include "common/error.hpp"
#include "common/process.hpp"
#include "config_file.hpp"

namespace {

// Aborts the whole MPI job when other ranks may be waiting on this one.
[[noreturn]] void fail(const std::string& message, int code) {
  std::fprintf(stderr, "wxfer: error: %s\n", message.c_str());
  std::fflush(stderr);
  int initialized = 0, finalized = 0, size = 1;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) {
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size > 1) MPI_Abort(MPI_COMM_WORLD, code);
    MPI_Finalize();
  }
  std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"wxfer: move model weights from training ranks to inference ranks, and measure it"};
  app.require_subcommand(0, 1);
  // Options take their last value, so that the command line overrides a --config file.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", [] { return "wxfer " + wxfer::version() + "\n" + wxfer::build_features(); });
  auto& commands = wxfer::cli::command_table();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& c : commands) c.add(app);
  for (int i = 0; i < argc; ++i) wxfer::cli::invocation() += (i ? " " : "") + std::string(argv[i]);
  try {
    std::vector<std::string> args = wxfer::cli::expand_config_files(std::vector<std::string>(argv + 1, argv + argc));
    std::reverse(args.begin(), args.end());  // CLI11 takes them last first
    app.parse(args);
    if (app.get_subcommands().empty()) {
      std::cout << app.help();
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const wxfer::VerificationFailed& e) {
    // Every rank knows; rank 0 holds the message and says it once.
    if (e.what()[0] != '\0') std::fprintf(stderr, "wxfer: error: %s\n", e.what());
    MPI_Finalize();
    return 3;
  } catch (const wxfer::UsageError& e) {
    // Bad input is found the same way on every rank: one line from rank 0, a clean exit.
    const int rank = wxfer::process_rank() >= 0 ? wxfer::process_rank() : wxfer::launcher_rank();
    if (rank <= 0) std::fprintf(stderr, "wxfer: error: %s\n", e.what());
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) MPI_Finalize();
    return 2;
  } catch (const wxfer::SystemError& e) {
    fail(e.what(), 1);
  } catch (const std::exception& e) {
    fail(e.what(), 1);
  }
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Finalize();
  return 0;
}
