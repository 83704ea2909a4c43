// Subcommands register themselves (one cmd_*.cpp each); main() adds them all to the app.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "layout/layout.hpp"
#include "model/config.hpp"

namespace wxfer::cli {

using AddCommand = void (*)(CLI::App& app);

struct CommandEntry {
  const char* name;
  int order;  // position in --help
  AddCommand add;
};

std::vector<CommandEntry>& command_table();

// The command line as typed, for output files.
std::string& invocation();

// For commands run under mpirun: MPI_Init_thread (serialized), this process's rank in
// MPI_COMM_WORLD recorded for error messages; MPI_Finalize is main()'s.
struct MpiJob {
  int rank = 0;
  int size = 1;
};
MpiJob start_mpi_job();

// `wxfer run`'s pipeline chunk when none is given (also what `wxfer calibrate` assumes).
inline constexpr const char* kRunChunkSize = "8MiB";

// `wxfer run`'s inference layout when none is given: the largest tp (a power of two, at
// most 8) that splits `ranks` and the model's heads (also what `wxfer calibrate` assumes).
InferenceLayout default_inference_layout(int ranks, const ModelConfig& c);

// `static const CommandRegistrar r{"plan", 10, add_plan_command};` in a cmd_*.cpp file.
struct CommandRegistrar {
  CommandRegistrar(const char* name, int order, AddCommand add) { command_table().push_back({name, order, add}); }
};

}  // namespace wxfer::cli
