// Who this process is (rank, host), for error messages and output files.
#pragma once

#include <string>

namespace wxfer {

// Set once MPI is up; before that the rank reads as -1.
void set_process_rank(int rank);
int process_rank();
std::string host_name();
// "rank R on host H" (or "host H" before MPI is up).
std::string process_identity();

}  // namespace wxfer
