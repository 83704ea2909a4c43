// RAII owners of the MPI handles whose release is collective (communicators, windows).
// Releasing them is an explicit close(deadline): a barrier that a stuck peer turns into a
// timeout error, then the free. A destructor never makes a collective call: a handle still
// open there belongs to a failing job, which MPI_Abort or MPI_Finalize will clean up.
#pragma once

#include <mpi.h>

#include <utility>

#include "common/deadline.hpp"

namespace wxfer {

class MpiComm {
 public:
  MpiComm() = default;
  explicit MpiComm(MPI_Comm comm) : comm_(comm) {}
  MpiComm(MpiComm&& other) noexcept : comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}
  MpiComm& operator=(MpiComm&& other) noexcept {
    std::swap(comm_, other.comm_);
    return *this;
  }
  MpiComm(const MpiComm&) = delete;
  MpiComm& operator=(const MpiComm&) = delete;
  ~MpiComm() = default;  // see the file comment

  MPI_Comm get() const { return comm_; }
  bool open() const { return comm_ != MPI_COMM_NULL; }
  // Collective over the communicator's ranks; a no-op on a closed or null one.
  void close(const Deadline& deadline);

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
};

class MpiWin {
 public:
  MpiWin() = default;
  // `comm` is the window's group (for the barrier before the free); the caller keeps it alive.
  MpiWin(MPI_Win win, MPI_Comm comm) : win_(win), comm_(comm) {}
  MpiWin(MpiWin&& other) noexcept
      : win_(std::exchange(other.win_, MPI_WIN_NULL)), comm_(std::exchange(other.comm_, MPI_COMM_NULL)) {}
  MpiWin& operator=(MpiWin&& other) noexcept {
    std::swap(win_, other.win_);
    std::swap(comm_, other.comm_);
    return *this;
  }
  MpiWin(const MpiWin&) = delete;
  MpiWin& operator=(const MpiWin&) = delete;
  ~MpiWin() = default;  // see the file comment

  MPI_Win get() const { return win_; }
  bool open() const { return win_ != MPI_WIN_NULL; }
  // Collective over the window's ranks; a no-op on a closed window.
  void close(const Deadline& deadline);

 private:
  MPI_Win win_ = MPI_WIN_NULL;
  MPI_Comm comm_ = MPI_COMM_NULL;
};

// A barrier over `comm` that throws a timeout error naming `what` when the deadline passes.
void barrier_before(MPI_Comm comm, const char* what, const Deadline& deadline);

}  // namespace wxfer
