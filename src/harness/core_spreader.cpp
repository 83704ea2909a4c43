#include "harness/core_spreader.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/process.hpp"

namespace wxfer {

CoreSpreading core_spreading_from_environment() {
  return parse_auto_on_off(environment_choice("WXFER_CORE_SPREADING", {"auto", "on", "off"}), "WXFER_CORE_SPREADING");
}

CoreSpreader::CoreSpreader(MPI_Comm comm, CoreSpreading mode, double rebalance_every_seconds)
    : mode_(mode), every_(rebalance_every_seconds) {
  MPI_Comm node = MPI_COMM_NULL;
  WXFER_CHECK_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  node_ = MpiComm(node);
  WXFER_CHECK_MPI(MPI_Comm_rank(node, &local_rank_));
  WXFER_CHECK_MPI(MPI_Comm_size(node, &local_size_));
  CPU_ZERO(&allowed_);
  if (sched_getaffinity(0, sizeof(allowed_), &allowed_) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &allowed_)) allowed_cores_.push_back(c);
  const auto cores = static_cast<int>(allowed_cores_.size());
  // A launcher that bound ranks to cores has placed them already: every rank of the node
  // must be free to move, or none spreads.
  const bool crowded = local_size_ > cores;
  int wanted = cores >= 2 && (mode == CoreSpreading::on || (mode == CoreSpreading::automatic && crowded)) ? 1 : 0, all = 0;
  WXFER_CHECK_MPI(MPI_Allreduce(&wanted, &all, 1, MPI_INT, MPI_MIN, node));
  active_ = all == 1;
  if (!active_) return;
  void* base = nullptr;
  const MPI_Aint bytes = local_rank_ == 0 ? static_cast<MPI_Aint>(sizeof(int32_t)) * local_size_ : 0;
  MPI_Win win = MPI_WIN_NULL;
  WXFER_CHECK_MPI(MPI_Win_allocate_shared(bytes, sizeof(int32_t), MPI_INFO_NULL, node, &base, &win));
  window_ = MpiWin(win, node);
  WXFER_CHECK_MPI(MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN));  // windows do not inherit the comm's
  MPI_Aint size = 0;
  int unit = 0;
  WXFER_CHECK_MPI(MPI_Win_shared_query(win, 0, &size, &unit, &base));
  static_assert(sizeof(std::atomic<int32_t>) == sizeof(int32_t) && std::atomic<int32_t>::is_always_lock_free);
  cores_ = static_cast<std::atomic<int32_t>*>(base);
  cores_[local_rank_].store(-1, std::memory_order_relaxed);
  WXFER_CHECK_MPI(MPI_Barrier(node));
}

CoreSpreader::~CoreSpreader() {
  stop_watcher();
  if (moved_) sched_setaffinity(busy_tid_, sizeof(allowed_), &allowed_);
}

void CoreSpreader::close(const Deadline& deadline) {
  stop_watcher();
  cores_ = nullptr;
  window_.close(deadline);
  node_.close(deadline);
}

std::string CoreSpreader::describe() const {
  const auto cores = allowed_cores_.size();
  const std::string placement =
      std::to_string(local_size_) + " ranks on " + std::to_string(cores) + (cores == 1 ? " core" : " cores");
  if (active_) return "on (" + placement + ")";
  if (mode_ == CoreSpreading::off) return "off (WXFER_CORE_SPREADING=off; " + placement + ")";
  if (cores < 2) return "off (each rank bound to one core)";
  return "off (" + placement + ": a core per rank)";
}

void CoreSpreader::busy() {
  if (!active_) return;
  busy_ = true;
  busy_tid_ = gettid();
  cores_[local_rank_].store(sched_getcpu(), std::memory_order_relaxed);
  if (every_ <= 0) return;
  stop_ = false;
  watcher_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    const auto period = std::chrono::duration<double>(every_);
    while (!wake_.wait_for(lock, period, [this] { return stop_; })) rebalance();
  });
}

void CoreSpreader::stop_watcher() {
  if (!watcher_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  watcher_.join();
}

// The core the busy thread last ran on: its own sched_getcpu(), or, from the watcher, field
// 39 ("processor") of /proc/self/task/<tid>/stat.
int CoreSpreader::busy_thread_cpu() const {
  if (gettid() == busy_tid_) return sched_getcpu();
  std::ifstream stat("/proc/self/task/" + std::to_string(busy_tid_) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return -1;
  const auto after_name = line.rfind(')');
  if (after_name == std::string::npos) return -1;
  std::istringstream fields(line.substr(after_name + 2));  // from field 3 (state) on
  std::string field;
  for (int i = 3; i <= 39 && fields >> field; ++i)
    if (i == 39) return std::stoi(field);
  return -1;
}

void CoreSpreader::rebalance() {
  if (!busy_) return;  // only busy ranks are load
  const int here = busy_thread_cpu();
  if (here < 0) return;
  cores_[local_rank_].store(here, std::memory_order_relaxed);
  auto busy_on = [&](int core) {
    int n = 0;
    for (int r = 0; r < local_size_; ++r) n += cores_[r].load(std::memory_order_relaxed) == core ? 1 : 0;
    return n;
  };
  int target = -1, fewest = busy_on(here) - 1;  // moving must leave the target less busy than here
  for (int c : allowed_cores_) {
    const int n = busy_on(c);
    if (n < fewest) target = c, fewest = n;
  }
  if (target < 0) return;
  // One rank moves off a core at a time: the busy rank of the highest local rank there.
  for (int r = local_rank_ + 1; r < local_size_; ++r)
    if (cores_[r].load(std::memory_order_relaxed) == here) return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(target, &one);
  if (sched_setaffinity(busy_tid_, sizeof(one), &one) != 0) return;  // not allowed after all: stay
  cores_[local_rank_].store(target, std::memory_order_relaxed);
  moved_ = true;
  ++moves_;
}

void CoreSpreader::idle() {
  if (!busy_) return;
  stop_watcher();
  busy_ = false;
  cores_[local_rank_].store(-1, std::memory_order_relaxed);
  if (moved_ && sched_setaffinity(busy_tid_, sizeof(allowed_), &allowed_) == 0) moved_ = false;
}

}  // namespace wxfer
