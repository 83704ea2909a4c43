// Keeps busy ranks spread over a node's cores when the node runs more ranks than it has
// cores and the launcher bound none of them. The kernel leaves a core idle while two busy
// ranks share the other one, sometimes for tens of milliseconds (measured: 25 ms of an
// 80 ms rdma step on 2 cores, after the two ranks of one core finished first); a static
// schedule ends when its slowest rank does, so that idle core is time lost. Busy ranks
// publish their core in node-shared memory; at its work's natural boundaries a rank whose
// core has at least two more busy ranks than another core it may use moves there. Only the
// calling thread moves (a rank's helper threads stay where the kernel puts them).
#pragma once

#include <mpi.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/auto_on_off.hpp"

namespace wxfer {

// automatic: only on a node with more ranks than cores; on: whenever a rank may use two cores.
using CoreSpreading = AutoOnOff;

class CoreSpreader {
 public:
  // Collective over `comm`. Active when every rank of this node may use at least two cores
  // and either `mode` is on, or it is automatic and the node has more ranks than those cores.
  CoreSpreader(MPI_Comm comm, CoreSpreading mode);
  ~CoreSpreader();
  CoreSpreader(const CoreSpreader&) = delete;
  CoreSpreader& operator=(const CoreSpreader&) = delete;

  bool active() const { return active_; }
  std::string describe() const;  // for the run file and the start-up line

  void busy();       // this rank starts CPU-bound work
  void rebalance();  // at a boundary of that work: move to an idle core if that evens the load
  void idle();       // the work is done: the rank may run anywhere it could before
  uint64_t moves() const { return moves_; }

 private:
  CoreSpreading mode_;
  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win window_ = MPI_WIN_NULL;
  std::atomic<int32_t>* cores_ = nullptr;  // per local rank: the core it runs on while busy, else -1
  int local_rank_ = 0, local_size_ = 1;
  cpu_set_t allowed_{};
  std::vector<int> allowed_cores_;
  bool active_ = false, busy_ = false, moved_ = false;
  uint64_t moves_ = 0;
};

}  // namespace wxfer
