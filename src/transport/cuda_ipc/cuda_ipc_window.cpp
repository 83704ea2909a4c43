#include "transport/cuda_ipc/cuda_ipc_window.hpp"

#include <cstring>

#include "common/cuda_check.hpp"
#include "control/mpi_comm.hpp"
#include "transport/window_bounds.hpp"

namespace wxfer {
namespace {

// What one rank tells the others about its exposed memory.
struct Exported {
  cudaIpcMemHandle_t handle;
  uint64_t bytes;
};

}  // namespace

CudaIpcWindow::CudaIpcWindow(MemorySpan local, MPI_Comm comm, cudaStream_t stream, OpLog& ops)
    : local_(local), comm_(comm), stream_(stream), ops_(ops) {
  if (local.bytes != 0 && local.kind != MemoryKind::device)
    throw_system_error("CudaIpcWindow", "cuda-ipc exposes CUDA device memory only");
  WXFER_CHECK_MPI(MPI_Comm_rank(comm, &rank_));
  int n = 0;
  WXFER_CHECK_MPI(MPI_Comm_size(comm, &n));
  Exported mine{};
  mine.bytes = local.bytes;
  if (local.bytes != 0) WXFER_CHECK_CUDA(cudaIpcGetMemHandle(&mine.handle, local.data));
  std::vector<Exported> all(static_cast<size_t>(n));
  WXFER_CHECK_MPI(MPI_Allgather(&mine, sizeof mine, MPI_BYTE, all.data(), sizeof mine, MPI_BYTE, comm));
  peer_base_.assign(all.size(), nullptr);
  opened_.assign(all.size(), false);
  peer_bytes_.resize(all.size());
  for (size_t r = 0; r < all.size(); ++r) {
    peer_bytes_[r] = all[r].bytes;
    if (all[r].bytes == 0) continue;
    if (static_cast<int>(r) == rank_) {
      peer_base_[r] = local.data;  // a process cannot open its own handle
      continue;
    }
    WXFER_CHECK_CUDA(cudaIpcOpenMemHandle(&peer_base_[r], all[r].handle, cudaIpcMemLazyEnablePeerAccess));
    opened_[r] = true;
  }
}

void CudaIpcWindow::close(const Deadline& deadline) {
  flush(deadline);
  barrier_before(comm_, "unmap a CUDA IPC window", deadline);
  for (size_t r = 0; r < peer_base_.size(); ++r)
    if (opened_[r]) WXFER_CHECK_CUDA(cudaIpcCloseMemHandle(peer_base_[r]));
  opened_.assign(opened_.size(), false);
}

CudaIpcWindow::~CudaIpcWindow() {
  cudaStreamSynchronize(stream_);  // no copy may still target memory we unmap
  for (size_t r = 0; r < peer_base_.size(); ++r)
    if (opened_[r]) cudaIpcCloseMemHandle(peer_base_[r]);
}

void CudaIpcWindow::put(int peer, uint64_t offset, const void* src, size_t bytes) {
  check_put_fits(peer, offset, bytes, peer_bytes_, "cuda-ipc");
  if (bytes == 0) return;
  auto* dst = static_cast<uint8_t*>(peer_base_[static_cast<size_t>(peer)]) + offset;
  // cudaMemcpyDefault: unified addressing tells device from host sources.
  WXFER_CHECK_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDefault, stream_));
  ops_.count(OpKind::put, bytes);
}

void CudaIpcWindow::flush(const Deadline& deadline) {
  // Once the copies finished on our stream the bytes are in the peer's memory; a barrier
  // after flush is what tells the peer so.
  flushed_.record(stream_);
  flushed_.wait(deadline, "cuda-ipc puts to complete");
}

}  // namespace wxfer
