#include "control/control.hpp"

#include <algorithm>
#include <cstdint>

#include "common/error.hpp"
#include "control/mpi_requests.hpp"

namespace wxfer {
namespace {

// Completes one non-blocking MPI operation before the deadline, or throws naming it.
void finish(MPI_Request handle, std::string what, const Deadline& deadline, Waiting how = Waiting::eager) {
  auto op = std::make_unique<MpiRequests>(std::move(what));
  op->handles().push_back(handle);
  Request request(std::move(op));
  wait(request, deadline, how);
}

// A barrier over `comm`, completed before the deadline or a timeout error naming `what`.
void wait_for_barrier(MPI_Comm comm, std::string what, const Deadline& deadline, Waiting how = Waiting::eager) {
  MPI_Request handle = MPI_REQUEST_NULL;
  WXFER_CHECK_MPI(MPI_Ibarrier(comm, &handle));
  finish(handle, std::move(what), deadline, how);
}

template <typename T>
T all_reduce(MPI_Comm comm, T mine, MPI_Datatype type, MPI_Op op, const char* what, const Deadline& deadline) {
  T out{};
  MPI_Request handle = MPI_REQUEST_NULL;
  WXFER_CHECK_MPI(MPI_Iallreduce(&mine, &out, 1, type, op, comm, &handle));
  finish(handle, what, deadline);
  return out;
}

}  // namespace

Control::Control(MPI_Comm comm, double timeout_seconds) : comm_(comm), timeout_seconds_(timeout_seconds) {
  WXFER_CHECK_MPI(MPI_Comm_rank(comm_, &rank_));
  WXFER_CHECK_MPI(MPI_Comm_size(comm_, &size_));
  node_ = node_ranks(comm_);
}

std::vector<std::vector<uint8_t>> Control::all_gather(const std::vector<uint8_t>& mine) const {
  const int n = static_cast<int>(mine.size());
  std::vector<uint8_t> all(mine.size() * static_cast<size_t>(size_));
  WXFER_CHECK_MPI(MPI_Allgather(mine.data(), n, MPI_BYTE, all.data(), n, MPI_BYTE, comm_));
  std::vector<std::vector<uint8_t>> out(static_cast<size_t>(size_));
  for (size_t r = 0; r < out.size(); ++r)
    out[r].assign(all.begin() + static_cast<long>(r * mine.size()), all.begin() + static_cast<long>((r + 1) * mine.size()));
  return out;
}

std::vector<uint8_t> Control::broadcast(std::vector<uint8_t> bytes, int root) const {
  uint64_t n = bytes.size();
  WXFER_CHECK_MPI(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_));
  bytes.resize(n);
  WXFER_CHECK_MPI(MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, root, comm_));
  return bytes;
}

void Control::barrier(const Deadline& deadline, Waiting how) const {
  wait_for_barrier(comm_, "a barrier of all " + std::to_string(size_) + " ranks", deadline, how);
}

uint64_t Control::max(uint64_t mine, const Deadline& deadline) const {
  return all_reduce(comm_, mine, MPI_UINT64_T, MPI_MAX, "the largest value over all ranks", deadline);
}

uint64_t Control::min(uint64_t mine, const Deadline& deadline) const {
  return all_reduce(comm_, mine, MPI_UINT64_T, MPI_MIN, "the smallest value over all ranks", deadline);
}

double Control::max(double mine, const Deadline& deadline) const {
  return all_reduce(comm_, mine, MPI_DOUBLE, MPI_MAX, "the largest value over all ranks", deadline);
}

double Control::sum(double mine, const Deadline& deadline) const {
  return all_reduce(comm_, mine, MPI_DOUBLE, MPI_SUM, "the sum over all ranks", deadline);
}

std::optional<std::string> Control::first_failure(const std::optional<std::string>& mine, const Deadline& deadline) const {
  const uint64_t none = UINT64_MAX;
  const uint64_t first = min(mine ? static_cast<uint64_t>(rank_) : none, deadline);
  if (first == none) return std::nullopt;
  const int from = static_cast<int>(first);
  if (from == 0) return rank_ == 0 ? *mine : std::string();
  constexpr int kTag = 4301;
  std::string text;
  if (rank_ == from) {
    MPI_Request handle = MPI_REQUEST_NULL;
    WXFER_CHECK_MPI(MPI_Isend(mine->data(), static_cast<int>(mine->size()), MPI_CHAR, 0, kTag, comm_, &handle));
    finish(handle, "rank 0 to receive this rank's failure", deadline);
  } else if (rank_ == 0) {
    MPI_Status status;
    int arrived = 0;
    while (arrived == 0) {  // the failing rank sends as soon as it knows it is first
      WXFER_CHECK_MPI(MPI_Iprobe(from, kTag, comm_, &arrived, &status));
      if (arrived == 0 && deadline.expired()) throw_timeout("rank " + std::to_string(from) + "'s failure report", deadline);
    }
    int n = 0;
    WXFER_CHECK_MPI(MPI_Get_count(&status, MPI_CHAR, &n));
    text.resize(static_cast<size_t>(n));
    WXFER_CHECK_MPI(MPI_Recv(text.data(), n, MPI_CHAR, from, kTag, comm_, MPI_STATUS_IGNORE));
  }
  return text;
}

std::unique_ptr<ControlGroup> Control::make_group(const std::vector<int>& members) const {
  const auto at = std::find(members.begin(), members.end(), rank_);
  const bool in = at != members.end();
  // Keyed by position in `members`, so that group rank i is members[i].
  MPI_Comm sub = MPI_COMM_NULL;
  WXFER_CHECK_MPI(MPI_Comm_split(comm_, in ? 0 : MPI_UNDEFINED, in ? static_cast<int>(at - members.begin()) : 0, &sub));
  if (!in) return nullptr;
  return std::make_unique<ControlGroup>(members, MpiComm(sub));
}

std::vector<uint64_t> ControlGroup::broadcast(std::vector<uint64_t> values, int root, const Deadline& deadline) const {
  const auto at = std::find(members_.begin(), members_.end(), root);
  WXFER_ASSERT(at != members_.end());
  const int local_root = static_cast<int>(at - members_.begin());
  uint64_t n = values.size();
  MPI_Request handle = MPI_REQUEST_NULL;
  WXFER_CHECK_MPI(MPI_Ibcast(&n, 1, MPI_UINT64_T, local_root, comm_.get(), &handle));
  finish(handle, "a group broadcast's size from rank " + std::to_string(root), deadline);
  values.resize(n);
  WXFER_CHECK_MPI(MPI_Ibcast(values.data(), static_cast<int>(n), MPI_UINT64_T, local_root, comm_.get(), &handle));
  finish(handle, "a group broadcast from rank " + std::to_string(root), deadline);
  return values;
}

void barrier_before(MPI_Comm comm, const char* what, const Deadline& deadline) {
  wait_for_barrier(comm, std::string("every rank to be ready to ") + what, deadline);
}

void MpiComm::close(const Deadline& deadline) {
  if (comm_ == MPI_COMM_NULL) return;
  barrier_before(comm_, "free a communicator", deadline);
  WXFER_CHECK_MPI(MPI_Comm_free(&comm_));
}

void MpiWin::close(const Deadline& deadline) {
  if (win_ == MPI_WIN_NULL) return;
  barrier_before(comm_, "free a window", deadline);
  WXFER_CHECK_MPI(MPI_Win_free(&win_));
  comm_ = MPI_COMM_NULL;
}

}  // namespace wxfer
