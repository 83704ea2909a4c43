#include "strategy/pipeline/prepare_worker.hpp"

namespace wxfer {

PrepareWorker::PrepareWorker() : thread_([this] { loop(); }) {}

PrepareWorker::~PrepareWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

uint64_t PrepareWorker::submit(std::function<void()> job) {
  std::lock_guard lock(mutex_);
  jobs_.push_back(std::move(job));
  changed_.notify_all();
  return submitted_++;
}

void PrepareWorker::wait(uint64_t ticket) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return finished_ > ticket || error_; });
  if (error_) std::rethrow_exception(error_);
}

bool PrepareWorker::wait_for(uint64_t ticket, std::chrono::microseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool done = changed_.wait_for(lock, timeout, [&] { return finished_ > ticket || error_; });
  if (error_) std::rethrow_exception(error_);
  return done;
}

void PrepareWorker::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    std::exception_ptr failed;
    try {
      job();
    } catch (...) {
      failed = std::current_exception();
    }
    lock.lock();
    if (failed && !error_) error_ = failed;
    ++finished_;
    changed_.notify_all();
  }
}

}  // namespace wxfer
