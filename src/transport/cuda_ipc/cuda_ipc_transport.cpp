#include "transport/cuda_ipc/cuda_ipc_transport.hpp"

#include "control/node_ranks.hpp"
#include "transport/cuda/cuda_device.hpp"
#include "transport/cuda_ipc/cuda_ipc_window.hpp"

namespace wxfer {
namespace {

int pick_device(const Control& control) {
  const NodeRanks node = node_ranks(control.comm());
  if (!node.single_host)
    throw TransportUnavailable("cuda-ipc needs every rank on one host, but at most " + std::to_string(node.max_local_size) +
                               " of " + std::to_string(control.size()) + " ranks share one");
  return select_cuda_device(node.local_rank);
}

class CudaIpcTransport final : public Transport {
 public:
  explicit CudaIpcTransport(const Control& control)
      : rank_(control.rank()), size_(control.size()), device_(pick_device(control)) {
    MPI_Comm dup = MPI_COMM_NULL;
    WXFER_CHECK_MPI(MPI_Comm_dup(control.comm(), &dup));
    comm_ = MpiComm(dup);
  }
  CudaIpcTransport(const CudaIpcTransport&) = delete;
  CudaIpcTransport& operator=(const CudaIpcTransport&) = delete;

  std::string_view name() const override { return "cuda-ipc"; }
  TransportCapabilities capabilities() const override {
    TransportCapabilities c;
    c.one_sided = true;
    c.host_memory = false;
    c.device_memory = true;
    return c;
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::unique_ptr<Window> expose(MemorySpan local) override {
    return std::make_unique<CudaIpcWindow>(local, comm_.get(), stream_.get(), ops_);
  }
  void close(const Deadline& deadline) override { comm_.close(deadline); }

 private:
  int rank_;
  int size_;
  int device_;  // selected before the stream is created on it
  MpiComm comm_;
  CudaStream stream_;
};

}  // namespace

std::optional<std::string> cuda_ipc_unavailable() { return cuda_unavailable(); }

std::unique_ptr<Transport> make_cuda_ipc_transport(const Control& control) { return std::make_unique<CudaIpcTransport>(control); }

}  // namespace wxfer
