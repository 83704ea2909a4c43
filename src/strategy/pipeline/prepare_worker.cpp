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

void PrepareWorker::submit(uint64_t group, std::function<void()> job) {
  std::lock_guard lock(mutex_);
  queued_[group].push_back(std::move(job));
  changed_.notify_all();
}

bool PrepareWorker::finished(uint64_t group, uint32_t count) const {
  const auto it = finished_.find(group);
  return (it == finished_.end() ? 0 : it->second) >= count;
}

void PrepareWorker::wait(uint64_t group, uint32_t count) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return finished(group, count) || error_; });
  if (error_) std::rethrow_exception(error_);
}

bool PrepareWorker::wait_for(uint64_t group, uint32_t count, std::chrono::microseconds timeout) {
  std::unique_lock lock(mutex_);
  const bool done = changed_.wait_for(lock, timeout, [&] { return finished(group, count) || error_; });
  if (error_) std::rethrow_exception(error_);
  return done;
}

void PrepareWorker::forget(uint64_t group) {
  std::lock_guard lock(mutex_);
  finished_.erase(group);
}

bool PrepareWorker::run_one() {
  std::unique_lock lock(mutex_);
  if (queued_.empty()) return false;
  run_next(lock);
  if (error_) std::rethrow_exception(error_);
  return true;
}

void PrepareWorker::run_next(std::unique_lock<std::mutex>& lock) {
  const auto first = queued_.begin();
  const uint64_t group = first->first;
  auto job = std::move(first->second.front());
  first->second.pop_front();
  if (first->second.empty()) queued_.erase(first);
  lock.unlock();
  std::exception_ptr failed;
  try {
    job();
  } catch (...) {
    failed = std::current_exception();
  }
  lock.lock();
  if (failed && !error_) error_ = failed;
  ++finished_[group];
  changed_.notify_all();
}

void PrepareWorker::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, nothing left
    run_next(lock);
  }
}

}  // namespace wxfer
