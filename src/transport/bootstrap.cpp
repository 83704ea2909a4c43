#include "transport/bootstrap.hpp"

#include "common/error.hpp"

namespace wxfer {

Bootstrap::Bootstrap(MPI_Comm comm) : comm_(comm) {
  WXFER_CHECK_MPI(MPI_Comm_rank(comm_, &rank_));
  WXFER_CHECK_MPI(MPI_Comm_size(comm_, &size_));
}

std::vector<std::vector<uint8_t>> Bootstrap::all_gather(const std::vector<uint8_t>& mine) const {
  const int n = static_cast<int>(mine.size());
  std::vector<uint8_t> all(mine.size() * static_cast<size_t>(size_));
  WXFER_CHECK_MPI(MPI_Allgather(mine.data(), n, MPI_BYTE, all.data(), n, MPI_BYTE, comm_));
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(size_));
  for (size_t r = 0; r < out.size(); ++r)
    out[r].assign(all.begin() + static_cast<long>(r * mine.size()), all.begin() + static_cast<long>((r + 1) * mine.size()));
  return out;
}

std::vector<uint8_t> Bootstrap::broadcast(std::vector<uint8_t> bytes, int root) const {
  uint64_t n = bytes.size();
  WXFER_CHECK_MPI(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_));
  bytes.resize(n);
  WXFER_CHECK_MPI(MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, root, comm_));
  return bytes;
}

void Bootstrap::barrier() const { WXFER_CHECK_MPI(MPI_Barrier(comm_)); }

}  // namespace wxfer
