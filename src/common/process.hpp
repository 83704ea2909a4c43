// Who this process is (rank, host), for error messages and output files.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

namespace wxfer {

// Set once MPI is up; before that the rank reads as -1.
void set_process_rank(int rank);
int process_rank();
// The rank the launcher gave this process (Open MPI, PMIx, Slurm), known before MPI_Init;
// -1 outside a launcher. Lets errors found before MPI_Init be printed once per job.
int launcher_rank();
std::string host_name();
// "rank R on host H" (or "host H" before MPI is up).
std::string process_identity();
// This process's environment variables whose names start with `prefix`, by name.
std::map<std::string, std::string> environment_with_prefix(std::string_view prefix);
// The value of the environment variable `name`, which must be one of `choices`; unset or
// empty reads as the first (the default). Any other value is a UsageError naming it:
// "invalid NAME 'value': expected a, b or c".
std::string environment_choice(const char* name, std::initializer_list<std::string_view> choices);
// This host, as a results file describes the machine that measured it: host, cpu_model,
// cpus (online), memory_gib, kernel, virtualized ("yes"/"no": the CPU's hypervisor flag).
std::map<std::string, std::string> machine_description();

}  // namespace wxfer
