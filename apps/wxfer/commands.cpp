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
  // Errors come back as codes that WXFER_CHECK_MPI turns into exceptions naming the call,
  // rank and host (main prints one line and aborts the job), not as the library's abort.
  // Communicators made from the world inherit it; windows set their own.
  WXFER_CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  MpiJob job;
  WXFER_CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &job.rank));
  WXFER_CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &job.size));
  set_process_rank(job.rank);
  return job;
}

InferenceLayout default_inference_layout(int ranks, const ModelConfig& c) {
  InferenceLayout l;
  for (int tp = 8; tp >= 1; tp /= 2)
    if (ranks % tp == 0 && c.num_attention_heads % tp == 0 && c.vocab_size % tp == 0) {
      l.tp = tp;
      break;
    }
  l.replicas = ranks / l.tp;
  return l;
}

}  // namespace wxfer::cli
