#include "commands.hpp"

#include <mpi.h>

#include "common/error.hpp"
#include "common/process.hpp"

namespace wxfer::cli {

std::vector<CommandEntry>& command_table() {
  static std::vector<CommandEntry> table;
  return table;
}

std::string& invocation() {
  static std::string line;
  return line;
}

MpiJob start_mpi_job() {
  int provided = 0;
  WXFER_CHECK_MPI(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided));
  MpiJob job;
  WXFER_CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &job.rank));
  WXFER_CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &job.size));
  set_process_rank(job.rank);
  return job;
}

}  // namespace wxfer::cli
