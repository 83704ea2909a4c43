// The control plane: MPI messages that start, agree on and end things (the "go", the commit,
// a failure's text, set-up exchanges of addresses, keys and ids), kept apart from the data
// path. Transports move bytes; the harness and the strategies coordinate through this.
// Every wait that can block on a peer takes a Deadline, so a stuck rank becomes an error.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/deadline.hpp"
#include "common/request.hpp"
#include "control/mpi_comm.hpp"
#include "control/node_ranks.hpp"

namespace wxfer {

class ControlGroup;

class Control {
 public:
  // Collective over `comm`, which the caller keeps alive (usually MPI_COMM_WORLD).
  // `timeout_seconds` bounds the waits of callers that have no deadline of their own.
  explicit Control(MPI_Comm comm, double timeout_seconds = 300);
  int rank() const { return rank_; }
  int size() const { return size_; }
  MPI_Comm comm() const { return comm_; }
  // Where this rank sits among the ranks of its host (learned once, at construction).
  const NodeRanks& node() const { return node_; }
  Deadline deadline() const { return Deadline::after(timeout_seconds_); }

  // Set-up exchanges (transports: queue-pair addresses, memory keys, NCCL ids).
  // Every rank contributes `mine` (same size everywhere); returns all, rank-ordered.
  std::vector<std::vector<uint8_t>> all_gather(const std::vector<uint8_t>& mine) const;
  // `root`'s bytes, on every rank.
  std::vector<uint8_t> broadcast(std::vector<uint8_t> bytes, int root) const;

  // Deadline-bounded agreement, collective over every rank.
  void barrier(const Deadline& deadline, Waiting how = Waiting::eager) const;
  void barrier() const { barrier(deadline()); }
  uint64_t max(uint64_t mine, const Deadline& deadline) const;
  uint64_t min(uint64_t mine, const Deadline& deadline) const;
  double max(double mine, const Deadline& deadline) const;
  double sum(double mine, const Deadline& deadline) const;
  // Every rank learns whether any rank reported a failure; rank 0 also gets the text of the
  // lowest-numbered failing rank (empty on other ranks, and nullopt everywhere if none failed).
  std::optional<std::string> first_failure(const std::optional<std::string>& mine, const Deadline& deadline) const;

  // Collective: the ranks in `members` (world ranks, in this order) get a group; the others
  // get nullptr.
  std::unique_ptr<ControlGroup> make_group(const std::vector<int>& members) const;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  double timeout_seconds_;
  NodeRanks node_;
};

// A subset of ranks that agree among themselves (e.g. a bucket owner telling its receivers
// where its pieces lie).
class ControlGroup {
 public:
  ControlGroup(std::vector<int> members, MpiComm comm) : members_(std::move(members)), comm_(std::move(comm)) {}
  const std::vector<int>& members() const { return members_; }
  // `root` (a world rank in the group) sends `values`; every member returns them.
  std::vector<uint64_t> broadcast(std::vector<uint64_t> values, int root, const Deadline& deadline) const;
  // Collective over the members; see MpiComm::close.
  void close(const Deadline& deadline) { comm_.close(deadline); }

 private:
  std::vector<int> members_;
  MpiComm comm_;
};

}  // namespace wxfer
