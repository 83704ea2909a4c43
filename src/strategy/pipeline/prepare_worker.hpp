// The sender's prepare thread: runs jobs (stage-in, quantization: local work, never MPI) in
// submission order while the main thread transfers earlier chunks. An exception in a job is
// rethrown by the wait() for that job.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

namespace wxfer {

class PrepareWorker {
 public:
  PrepareWorker();
  ~PrepareWorker();
  PrepareWorker(const PrepareWorker&) = delete;
  PrepareWorker& operator=(const PrepareWorker&) = delete;

  // Queues a job; returns its ticket.
  uint64_t submit(std::function<void()> job);
  // Blocks until job `ticket` (and every earlier one) has run.
  void wait(uint64_t ticket);
  // The same for at most `timeout`; true when the job has run.
  bool wait_for(uint64_t ticket, std::chrono::microseconds timeout);

 private:
  void loop();
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> jobs_;
  uint64_t submitted_ = 0, finished_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace wxfer
