// A window of device memory that every rank on the node has mapped through CUDA IPC.
#pragma once

#include <mpi.h>

#include <vector>

#include "transport/cuda/cuda_device.hpp"
#include "transport/transport.hpp"

namespace wxfer {

class CudaIpcWindow final : public Window {
 public:
  // Collective over `comm`. `local` must start at a cudaMalloc allocation (CUDA IPC
  // exports whole allocations) or be empty.
  CudaIpcWindow(MemorySpan local, MPI_Comm comm, cudaStream_t stream, OpLog& ops);
  // Collective: unmaps the peers' memory, then waits for every rank to have done the same
  // so that no rank frees memory another still maps.
  // Collective: every peer's copies into this memory are done before any rank unmaps.
  void close(const Deadline& deadline) override;
  ~CudaIpcWindow() override;
  CudaIpcWindow(const CudaIpcWindow&) = delete;
  CudaIpcWindow& operator=(const CudaIpcWindow&) = delete;

  void put(int peer, uint64_t offset, const void* src, size_t bytes) override;
  void flush(const Deadline& deadline) override;
  MemorySpan local() const override { return local_; }

 private:
  MemorySpan local_;
  MPI_Comm comm_;
  cudaStream_t stream_;
  OpLog& ops_;
  int rank_ = 0;
  std::vector<void*> peer_base_;  // where each rank's exposed memory is mapped here
  std::vector<bool> opened_;      // mapped by cudaIpcOpenMemHandle (not our own memory)
  std::vector<uint64_t> peer_bytes_;
  CudaEvent flushed_;
};

}  // namespace wxfer
