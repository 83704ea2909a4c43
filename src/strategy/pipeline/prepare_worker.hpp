// The sender's prepare thread: runs jobs (assembling gathers, stage-in, quantization: local
// work, never MPI) while the main thread transfers earlier chunks. Jobs come in groups (one
// per chunk): the lowest group with a queued job runs first, a group's jobs in submission
// order, so that pieces of a later chunk that are ready never wait behind a chunk still
// waiting for a peer, and the chunk sent next is prepared first. A thread waiting for jobs
// may run the next one itself (run_one): with more threads than cores the prepare thread
// can wait milliseconds for a core that the waiter already has. An exception in a job is
// rethrown by the next wait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace wxfer {

class PrepareWorker {
 public:
  PrepareWorker();
  ~PrepareWorker();
  PrepareWorker(const PrepareWorker&) = delete;
  PrepareWorker& operator=(const PrepareWorker&) = delete;

  // Queues a job of `group`.
  void submit(uint64_t group, std::function<void()> job);
  // Blocks until `count` jobs of `group` have run.
  void wait(uint64_t group, uint32_t count);
  // The same for at most `timeout`; true when they have run.
  bool wait_for(uint64_t group, uint32_t count, std::chrono::microseconds timeout);
  // Runs the job the prepare thread would run next on the calling thread; false when none
  // is queued.
  bool run_one();
  // Drops the group's count of finished jobs (its number may be used again).
  void forget(uint64_t group);

 private:
  void loop();
  // Takes the next job (lock held); runs it with the lock released; counts it (lock held).
  void run_next(std::unique_lock<std::mutex>& lock);
  bool finished(uint64_t group, uint32_t count) const;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<uint64_t, std::deque<std::function<void()>>> queued_;  // only groups with jobs
  std::map<uint64_t, uint32_t> finished_;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wxfer
