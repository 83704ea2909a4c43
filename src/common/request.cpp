#include "common/request.hpp"

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "common/error.hpp"

namespace wxfer {

void throw_timeout(const std::string& waiting_for, const Deadline& deadline) {
  std::ostringstream msg;
  msg << "timed out after " << deadline.budget_seconds() << " s waiting for " << waiting_for;
  throw_system_error("wait", msg.str());
}

bool Request::done() {
  if (!op_) return true;
  if (!op_->test()) return false;
  op_.reset();
  return true;
}

void wait(Request& request, const Deadline& deadline, Waiting how) { wait_all(std::span<Request>(&request, 1), deadline, how); }

void wait_all(std::span<Request> requests, const Deadline& deadline, Waiting how) {
  size_t first_pending = 0;
  // Oversubscribed ranks share cores: a waiter first yields to the peer it waits for, then
  // (after ~1000 yields without completion) naps, so that idle receivers stop taking the
  // senders' cores. The nap grows with the wait, to 1% of the time waited so far (at most
  // 1 ms): a long wait then costs few wake-ups, and ends at most 1% late. An idle waiter
  // naps 5 ms at a time from the start.
  const int yields_before_napping = how == Waiting::eager ? 1000 : how == Waiting::patient ? 10 : 0;
  constexpr auto kShortestNap = std::chrono::microseconds(50), kLongestNap = std::chrono::microseconds(1000);
  constexpr auto kIdleNap = std::chrono::milliseconds(5);
  int polls = 0;
  Deadline::Clock::time_point napping_since{};
  for (;;) {
    while (first_pending < requests.size() && requests[first_pending].done()) ++first_pending;
    bool all = first_pending == requests.size();
    for (size_t i = first_pending + 1; all == false && i < requests.size(); ++i) requests[i].done();
    if (all) return;
    if (deadline.expired()) throw_timeout(requests[first_pending].operation()->describe(), deadline);
    if (++polls < yields_before_napping) {
      sched_yield();
      continue;
    }
    const auto now = Deadline::Clock::now();
    if (polls == yields_before_napping) napping_since = now;
    const auto nap = how == Waiting::idle
                         ? std::chrono::nanoseconds(kIdleNap)
                         : std::clamp(std::chrono::duration_cast<std::chrono::nanoseconds>((now - napping_since) / 100),
                                      std::chrono::nanoseconds(kShortestNap), std::chrono::nanoseconds(kLongestNap));
    const timespec ts{0, static_cast<long>(nap.count())};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace wxfer
