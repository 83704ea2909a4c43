// MPI one-sided RMA: windows, MPI_Put, passive-target synchronisation. The portable
// stand-in for RDMA WRITE: the target never takes part in a transfer.
#pragma once

#include "transport/mpi/mpi_transport.hpp"

namespace wxfer {

class MpiRmaTransport final : public MpiTransport {
 public:
  explicit MpiRmaTransport(const Bootstrap& bootstrap) : MpiTransport(bootstrap) {}
  std::string_view name() const override { return "mpi-rma"; }
  TransportCapabilities capabilities() const override;
  std::unique_ptr<Window> expose(MemorySpan local) override;
  std::unique_ptr<Window> expose_new(uint64_t bytes) override;
};

std::unique_ptr<Transport> make_mpi_rma_transport(const Bootstrap& bootstrap);

}  // namespace wxfer
