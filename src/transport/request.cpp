#include "transport/request.hpp"

#include <sched.h>
#include <time.h>

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

void wait(Request& request, const Deadline& deadline) { wait_all(std::span<Request>(&request, 1), deadline); }

void wait_all(std::span<Request> requests, const Deadline& deadline) {
  size_t first_pending = 0;
  // Oversubscribed ranks share cores: a waiter first yields to the peer it waits for, then
  // (after ~1 ms without completion) naps, so that idle receivers stop taking the senders'
  // cores. Completion is still polled every 50 us, small next to any transfer we time.
  constexpr int kYieldsBeforeNapping = 1000;
  int polls = 0;
  for (;;) {
    while (first_pending < requests.size() && requests[first_pending].done()) ++first_pending;
    bool all = first_pending == requests.size();
    for (size_t i = first_pending + 1; all == false && i < requests.size(); ++i) requests[i].done();
    if (all) return;
    if (deadline.expired()) throw_timeout(requests[first_pending].operation()->describe(), deadline);
    if (++polls < kYieldsBeforeNapping) {
      sched_yield();
    } else {
      const timespec nap{0, 50'000};
      nanosleep(&nap, nullptr);
    }
  }
}

}  // namespace wxfer
