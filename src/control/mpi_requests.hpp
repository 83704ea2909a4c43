// MPI requests as a PendingOperation; shared by the mpi and mpi-rma backends.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/pieces.hpp"
#include "common/request.hpp"

namespace wxfer {

class MpiRequests final : public PendingOperation {
 public:
  // What to do when the request is destroyed before it completed (after a timeout):
  // a receive can be cancelled, so that it does not swallow a later message; a send or a
  // collective cannot be taken back safely and is left to the library.
  enum class OnAbandon : uint8_t { leave, cancel };
  explicit MpiRequests(std::string what, OnAbandon on_abandon = OnAbandon::leave)
      : what_(std::move(what)), on_abandon_(on_abandon) {}
  ~MpiRequests() override;
  MpiRequests(const MpiRequests&) = delete;
  MpiRequests& operator=(const MpiRequests&) = delete;
  std::vector<MPI_Request>& handles() { return handles_; }
  bool test() override;
  std::string describe() const override { return what_; }

 private:
  std::vector<MPI_Request> handles_;
  std::string what_;
  OnAbandon on_abandon_;
};

std::string describe_bytes(const char* verb, size_t bytes, const char* preposition, int peer);

}  // namespace wxfer
