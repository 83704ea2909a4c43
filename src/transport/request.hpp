// A non-blocking operation in flight on some transport, completed by polling.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "transport/deadline.hpp"

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
void wait(Request& request, const Deadline& deadline);
void wait_all(std::span<Request> requests, const Deadline& deadline);

}  // namespace wxfer
