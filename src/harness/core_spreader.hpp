// Keeps busy ranks spread over a node's cores when the node runs more ranks than it has
// cores and the launcher bound none of them. The kernel can leave a core idle while two busy
// ranks share another one, for tens of milliseconds; a static schedule ends when its slowest
// rank does, so that idle core is time lost. Busy ranks publish their core in node-shared
// memory; while a rank is busy, a watcher thread of its own moves it to a core with fewer
// busy ranks when that evens the load. Only the busy thread moves (a rank's helper threads
// stay where the kernel puts them). The harness calls busy() and idle() around an update;
// strategies know nothing of it.
#pragma once

#include <mpi.h>
#include <sched.h>
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/auto_on_off.hpp"
#include "common/deadline.hpp"
#include "control/mpi_comm.hpp"

namespace wxfer {

// automatic: only on a node with more ranks than cores; on: whenever a rank may use two cores.
using CoreSpreading = AutoOnOff;

// WXFER_CORE_SPREADING=auto|on|off (default auto); a UsageError names a bad value.
CoreSpreading core_spreading_from_environment();

class CoreSpreader {
 public:
  // How often the watcher looks at the load while this rank is busy.
  static constexpr double kRebalanceEverySeconds = 0.002;

  // Collective over `comm`. Active when every rank of this node may use at least two cores
  // and either `mode` is on, or it is automatic and the node has more ranks than those cores.
  // `rebalance_every_seconds` 0: no watcher, only explicit rebalance() calls (tests).
  CoreSpreader(MPI_Comm comm, CoreSpreading mode, double rebalance_every_seconds = kRebalanceEverySeconds);
  ~CoreSpreader();  // stops the watcher; releases no MPI handle (close() does)
  CoreSpreader(const CoreSpreader&) = delete;
  CoreSpreader& operator=(const CoreSpreader&) = delete;

  bool active() const { return active_; }
  std::string describe() const;  // for the run file and the start-up line

  void busy();       // the calling thread starts CPU-bound work
  void rebalance();  // move the busy thread to an idle core if that evens the load
  void idle();       // the work is done: the thread may run anywhere it could before
  uint64_t moves() const { return moves_; }
  // Collective over the node's ranks: frees the node-shared memory.
  void close(const Deadline& deadline);

 private:
  int busy_thread_cpu() const;
  void stop_watcher();

  CoreSpreading mode_;
  double every_;
  MpiComm node_;
  MpiWin window_;
  std::atomic<int32_t>* cores_ = nullptr;  // per local rank: the core it runs on while busy, else -1
  int local_rank_ = 0, local_size_ = 1;
  cpu_set_t allowed_{};
  std::vector<int> allowed_cores_;
  bool active_ = false, busy_ = false, moved_ = false;
  pid_t busy_tid_ = 0;
  std::atomic<uint64_t> moves_{0};
  std::thread watcher_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
};

}  // namespace wxfer
