// Out-of-band exchange used only while setting up a transport (NCCL ids, verbs queue-pair
// addresses and memory keys, CUDA IPC handles), kept apart from the data path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <mpi.h>

namespace wxfer {

class Bootstrap {
 public:
  explicit Bootstrap(MPI_Comm comm);
  int rank() const { return rank_; }
  int size() const { return size_; }
  MPI_Comm comm() const { return comm_; }
  // Every rank contributes `mine` (same size everywhere); returns all, rank-ordered.
  std::vector<std::vector<uint8_t>> all_gather(const std::vector<uint8_t>& mine) const;
  // `root`'s bytes, on every rank.
  std::vector<uint8_t> broadcast(std::vector<uint8_t> bytes, int root) const;
  void barrier() const;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace wxfer
