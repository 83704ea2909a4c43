// Where this rank sits among the ranks of its node: picks a GPU (local rank mod device
// count) and tells whether all ranks share one host (CUDA IPC needs that).
#pragma once

#include <mpi.h>

namespace wxfer {

struct NodeRanks {
  int local_rank = 0;       // among the ranks on this host
  int local_size = 1;       // ranks on this host
  int max_local_size = 1;   // the most ranks on any host of the job
  bool single_host = true;  // every rank of `comm` on this host
};

// Collective over `comm`; every rank gets the same max_local_size and single_host.
NodeRanks node_ranks(MPI_Comm comm);

}  // namespace wxfer
