#include "transport/request.hpp"

#include <sched.h>

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
  for (;;) {
    while (first_pending < requests.size() && requests[first_pending].done()) ++first_pending;
    bool all = first_pending == requests.size();
    for (size_t i = first_pending + 1; all == false && i < requests.size(); ++i) requests[i].done();
    if (all) return;
    if (deadline.expired()) throw_timeout(requests[first_pending].operation()->describe(), deadline);
    // Oversubscribed ranks share cores: let the peer we wait for run.
    sched_yield();
  }
}

}  // namespace wxfer
