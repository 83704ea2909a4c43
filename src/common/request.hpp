// A non-blocking operation in flight on some transport, completed by polling.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/deadline.hpp"

namespace wxfer {

class PendingOperation {
 public:
  virtual ~PendingOperation() = default;
  // Advances the operation; true once it has completed locally.
  virtual bool test() = 0;
  // "send 4.0 MiB to rank 5 (tag 3)": for timeout messages.
  virtual std::string describe() const = 0;
};

class Request {
 public:
  Request() = default;
  explicit Request(std::unique_ptr<PendingOperation> op) : op_(std::move(op)) {}
  bool done();  // an empty request is done
  const PendingOperation* operation() const { return op_.get(); }

 private:
  std::unique_ptr<PendingOperation> op_;
};

// Polls until every request is done; throws a timeout error naming the first one still
// pending when the deadline passes.
// How a waiter spends its wait on shared cores: `eager` yields ~1000 times before it naps
// (a peer it waits for is about to finish); `patient` naps almost at once (a rank that waits
// for a whole update, which would otherwise take cores from the ranks doing the work);
// `idle` only naps, 5 ms at a time (a rank that sits out a whole measurement of others,
// whose every wake would take a core from them).
enum class Waiting { eager, patient, idle };
void wait(Request& request, const Deadline& deadline, Waiting how = Waiting::eager);
void wait_all(std::span<Request> requests, const Deadline& deadline, Waiting how = Waiting::eager);

}  // namespace wxfer
