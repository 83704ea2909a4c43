// Two-sided MPI and MPI collectives: runs on any machine, host memory.
#pragma once

#include <cstdint>
#include <memory>

#include "control/control.hpp"
#include "transport/transport.hpp"

namespace wxfer {

// How ibroadcast moves a group's bytes. flat: the root sends to every member, each receives
// from the root (within a host, each member copies once from the root's buffer and none
// waits for another to forward); mpi: MPI_Ibcast (the library's trees, right across hosts);
// automatic: flat where the group shares one host, mpi otherwise.
enum class MpiBroadcastTree : uint8_t { automatic, flat, mpi };

// WXFER_MPI_BROADCAST=auto|flat|mpi (default auto); a UsageError names a bad value.
MpiBroadcastTree broadcast_tree_from_environment();

class MpiTransport : public Transport {
 public:
  explicit MpiTransport(const Control& control);
  std::string_view name() const override { return "mpi"; }
  TransportCapabilities capabilities() const override;
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Request isend(int peer, MemorySpan data, int tag) override;
  Request irecv(int peer, MemorySpan data, int tag) override;
  std::unique_ptr<Group> make_group(const std::vector<int>& members) override;
  Request ibroadcast(Group& group, int root, MemorySpan data) override;
  // Whether ibroadcast in `group` (one this transport made) is the flat tree.
  bool broadcasts_flat(const Group& group) const;
  Request ibarrier() override;
  // "broadcast": flat, MPI_Ibcast, or (automatic across hosts) which one where.
  std::map<std::string, std::string> settings() const override;
  void close(const Deadline& deadline) override;

 protected:
  MPI_Comm comm() const { return comm_.get(); }
  bool single_host() const { return single_host_; }

 private:
  MpiBroadcastTree broadcast_tree_;  // read first: a bad setting throws before anything is made
  MpiComm comm_;                     // a private duplicate: our tags never meet anyone else's
  int rank_ = 0;
  int size_ = 1;
  bool single_host_ = true;  // every rank on this host
};

std::unique_ptr<Transport> make_mpi_transport(const Control& control);

}  // namespace wxfer
