// The last line of defence against a hang: a thread in each rank that ends the job when the
// rank has spent longer than its deadline in one phase. Waits that poll (Request, Control)
// time out on their own and report it; this catches the waits no deadline reaches (inside a
// blocking MPI call, an MPI_Win_flush, a collective whose peer was stopped with SIGSTOP or
// killed). As PyTorch's NCCL watchdog: on expiry it prints one line naming the rank, host and
// what the rank was doing, and exits the process (status kWatchdogExit) without MPI's
// help; mpirun then ends every other rank.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/deadline.hpp"

namespace wxfer {

inline constexpr int kWatchdogExit = 4;

class Watchdog {
 public:
  // `grace_seconds` past a phase's deadline before it acts, so that a wait that polls can
  // report its own timeout first (a nicer message, a clean exit).
  Watchdog(int rank, std::string host, double grace_seconds = 3.0);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // While alive, the rank is in `what` and must leave it by `deadline`. A phase begun while
  // another is alive replaces it; the rank is unwatched once the current phase ends (an
  // earlier one's end changes nothing: its deadline would be stale by then). `dog` may be
  // null: no watching.
  class Phase {
   public:
    Phase(Watchdog* dog, std::string what, const Deadline& deadline);
    ~Phase();
    Phase(const Phase&) = delete;
    Phase& operator=(const Phase&) = delete;

   private:
    Watchdog* dog_;
    uint64_t number_ = 0;  // which phase of the dog's this is
  };

 private:
  void watch();
  [[noreturn]] void fire(const std::string& what, double budget);
  int rank_;
  std::string host_;
  double grace_seconds_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool armed_ = false;
  uint64_t phases_ = 0;  // phases begun: the last one is the current
  bool stopping_ = false;
  std::string what_;
  Deadline deadline_ = Deadline::after(0);
  std::thread thread_;
};

}  // namespace wxfer
