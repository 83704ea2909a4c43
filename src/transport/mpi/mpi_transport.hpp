// Two-sided MPI and MPI collectives: runs on any machine, host memory.
#pragma once

#include <memory>

#include "transport/bootstrap.hpp"
#include "transport/transport.hpp"

namespace wxfer {

class MpiTransport : public Transport {
 public:
  explicit MpiTransport(const Bootstrap& bootstrap);
  ~MpiTransport() override;
  std::string_view name() const override { return "mpi"; }
  TransportCapabilities capabilities() const override;
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Request isend(int peer, MemorySpan data, int tag) override;
  Request irecv(int peer, MemorySpan data, int tag) override;
  std::unique_ptr<Group> make_group(const std::vector<int>& members) override;
  Request ibroadcast(Group& group, int root, MemorySpan data) override;
  Request ibarrier() override;

 protected:
  MPI_Comm comm() const { return comm_; }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;  // a private duplicate: our tags never meet anyone else's
  int rank_ = 0;
  int size_ = 1;
};

std::unique_ptr<Transport> make_mpi_transport(const Bootstrap& bootstrap);

}  // namespace wxfer
