#include "control/mpi_requests.hpp"

#include "common/error.hpp"
#include "common/units.hpp"

namespace wxfer {

MpiRequests::~MpiRequests() {
  if (on_abandon_ != OnAbandon::cancel) return;
  // No checks here: a destructor must not throw. A request that completed meanwhile is
  // unaffected by MPI_Cancel and MPI_Wait just frees it.
  for (MPI_Request& h : handles_) {
    if (h == MPI_REQUEST_NULL) continue;
    MPI_Cancel(&h);
    MPI_Wait(&h, MPI_STATUS_IGNORE);
  }
}

bool MpiRequests::test() {
  int flag = 0;
  WXFER_CHECK_MPI(MPI_Testall(static_cast<int>(handles_.size()), handles_.data(), &flag, MPI_STATUSES_IGNORE));
  return flag != 0;
}

std::string describe_bytes(const char* verb, size_t bytes, const char* preposition, int peer) {
  return std::string(verb) + " " + format_bytes(static_cast<double>(bytes)) + " " + preposition + " rank " + std::to_string(peer);
}

}  // namespace wxfer
