#include "harness/watchdog.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace wxfer {

// Ranks that all wait on one stopped peer reach their deadlines together; a quarter second
// per rank (of 16) lets the first one's exit end the job before the rest say the same.
Watchdog::Watchdog(int rank, std::string host, double grace_seconds)
    : rank_(rank), host_(std::move(host)), grace_seconds_(grace_seconds + 0.25 * (rank % 16)), thread_([this] { watch(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void Watchdog::watch() {
  const auto grace = std::chrono::duration_cast<Deadline::Clock::duration>(std::chrono::duration<double>(grace_seconds_));
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!armed_) {
      changed_.wait(lock);
      continue;
    }
    const auto limit = deadline_.at() + grace;
    if (Deadline::Clock::now() >= limit) fire(what_, deadline_.budget_seconds());
    changed_.wait_until(lock, limit);
  }
}

void Watchdog::fire(const std::string& what, double budget) {
  // One line, written whole, then out: no destructor, no MPI call (the main thread may be
  // inside MPI), no buffered output lost.
  std::fprintf(stderr, "wxfer: error: rank %d on %s: no progress for %g s (--timeout) in %s; ending the job\n", rank_,
               host_.c_str(), budget + grace_seconds_, what.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  _exit(kWatchdogExit);
}

Watchdog::Phase::Phase(Watchdog* dog, std::string what, const Deadline& deadline) : dog_(dog) {
  if (dog_ == nullptr) return;
  {
    std::lock_guard lock(dog_->mutex_);
    dog_->what_ = std::move(what);
    dog_->deadline_ = deadline;
    dog_->armed_ = true;
    number_ = ++dog_->phases_;
  }
  dog_->changed_.notify_all();
}

Watchdog::Phase::~Phase() {
  if (dog_ == nullptr) return;
  {
    std::lock_guard lock(dog_->mutex_);
    if (dog_->phases_ != number_) return;  // a later phase is current
    dog_->armed_ = false;
  }
  dog_->changed_.notify_all();
}

}  // namespace wxfer
