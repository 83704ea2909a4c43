#include "control/node_ranks.hpp"

#include "common/error.hpp"

namespace wxfer {

NodeRanks node_ranks(MPI_Comm comm) {
  MPI_Comm local = MPI_COMM_NULL;
  WXFER_CHECK_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local));
  NodeRanks n;
  const int rank_rc = MPI_Comm_rank(local, &n.local_rank);
  const int size_rc = MPI_Comm_size(local, &n.local_size);
  MPI_Comm_free(&local);
  WXFER_CHECK_MPI(rank_rc);
  WXFER_CHECK_MPI(size_rc);
  int world = 1;
  WXFER_CHECK_MPI(MPI_Comm_size(comm, &world));
  WXFER_CHECK_MPI(MPI_Allreduce(&n.local_size, &n.max_local_size, 1, MPI_INT, MPI_MAX, comm));
  n.single_host = n.max_local_size == world;
  return n;
}

}  // namespace wxfer
