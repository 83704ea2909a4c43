#include "transport/cuda_ipc/cuda_ipc_transport.hpp"

#include "transport/cuda/cuda_device.hpp"
#include "transport/cuda_ipc/cuda_ipc_window.hpp"
#include "transport/node_ranks.hpp"

namespace wxfer {
namespace {

int pick_device(const Bootstrap& bootstrap) {
  const NodeRanks node = node_ranks(bootstrap.comm());
  if (!node.single_host)
    throw TransportUnavailable("cuda-ipc needs every rank on one host, but at most " +
                               std::to_string(node.max_local_size) + " of " + std::to_string(bootstrap.size()) +
                               " ranks share one");
  return select_cuda_device(node.local_rank);
}

class CudaIpcTransport final : public Transport {
 public:
  explicit CudaIpcTransport(const Bootstrap& bootstrap)
      : rank_(bootstrap.rank()), size_(bootstrap.size()), device_(pick_device(bootstrap)) {
    WXFER_CHECK_MPI(MPI_Comm_dup(bootstrap.comm(), &comm_));
  }
  ~CudaIpcTransport() override { MPI_Comm_free(&comm_); }
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
    return std::make_unique<CudaIpcWindow>(local, comm_, stream_.get());
  }

 private:
  int rank_;
  int size_;
  int device_;  // selected before the stream is created on it
  MPI_Comm comm_ = MPI_COMM_NULL;
  CudaStream stream_;
};

}  // namespace

std::optional<std::string> cuda_ipc_unavailable() { return cuda_unavailable(); }

std::unique_ptr<Transport> make_cuda_ipc_transport(const Bootstrap& bootstrap) {
  return std::make_unique<CudaIpcTransport>(bootstrap);
}

}  // namespace wxfer
