// The prepare thread runs the lowest group's jobs first and each group's in order, wait()
// sees their effects, and a failing job's exception reaches the waiting main thread.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "strategy/pipeline/prepare_worker.hpp"

namespace wxfer {
namespace {

TEST(PrepareWorker, RunsAGroupsJobsInSubmissionOrder) {
  PrepareWorker worker;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) worker.submit(7, [&order, i] { order.push_back(i); });
  worker.wait(7, 100);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(PrepareWorker, RunsTheLowestGroupFirst) {
  PrepareWorker worker;
  std::promise<void> go;
  std::shared_future<void> started = go.get_future().share();
  std::vector<int> order;
  // The first job holds the thread until every other job is queued.
  worker.submit(0, [started] { started.wait(); });
  worker.submit(3, [&order] { order.push_back(3); });
  worker.submit(1, [&order] { order.push_back(1); });
  worker.submit(2, [&order] { order.push_back(2); });
  worker.submit(1, [&order] { order.push_back(11); });
  go.set_value();
  worker.wait(3, 1);
  EXPECT_EQ(order, (std::vector<int>{1, 11, 2, 3}));
  EXPECT_TRUE(worker.wait_for(1, 2, std::chrono::microseconds(0)));
  EXPECT_FALSE(worker.wait_for(1, 3, std::chrono::microseconds(0)));
  worker.forget(1);
  EXPECT_FALSE(worker.wait_for(1, 1, std::chrono::microseconds(0)));
  EXPECT_TRUE(worker.wait_for(9, 0, std::chrono::microseconds(0)));
}

TEST(PrepareWorker, AWaiterRunsTheNextJobItself) {
  PrepareWorker worker;
  std::promise<void> go;
  std::shared_future<void> released = go.get_future().share();
  std::promise<void> taken;
  worker.submit(0, [released, &taken] {  // keeps the prepare thread busy
    taken.set_value();
    released.wait();
  });
  taken.get_future().wait();  // the prepare thread has it: what follows stays queued
  std::vector<std::thread::id> ran_on;
  worker.submit(2, [&ran_on] { ran_on.push_back(std::this_thread::get_id()); });
  worker.submit(1, [&ran_on] { ran_on.push_back(std::this_thread::get_id()); });
  EXPECT_TRUE(worker.run_one());  // group 1 first
  EXPECT_TRUE(worker.wait_for(1, 1, std::chrono::microseconds(0)));
  EXPECT_FALSE(worker.wait_for(2, 1, std::chrono::microseconds(0)));
  EXPECT_TRUE(worker.run_one());
  EXPECT_FALSE(worker.run_one());
  EXPECT_EQ(ran_on, (std::vector<std::thread::id>{std::this_thread::get_id(), std::this_thread::get_id()}));
  go.set_value();
  worker.wait(0, 1);
}

TEST(PrepareWorker, RunOneRethrowsItsJobsException) {
  PrepareWorker worker;
  std::promise<void> go;
  std::shared_future<void> released = go.get_future().share();
  std::promise<void> taken;
  worker.submit(0, [released, &taken] {
    taken.set_value();
    released.wait();
  });
  taken.get_future().wait();
  worker.submit(1, [] { throw std::runtime_error("bad block"); });
  EXPECT_THROW(worker.run_one(), std::runtime_error);
  go.set_value();
}

TEST(PrepareWorker, WaitRethrowsAJobsException) {
  PrepareWorker worker;
  worker.submit(0, [] { throw std::runtime_error("quantize failed"); });
  EXPECT_THROW(worker.wait(0, 1), std::runtime_error);
}

TEST(PrepareWorker, DestructionWithQueuedJobsFinishesThem) {
  int ran = 0;
  {
    PrepareWorker worker;
    for (int i = 0; i < 10; ++i) worker.submit(static_cast<uint64_t>(10 - i), [&ran] { ++ran; });
  }
  EXPECT_EQ(ran, 10);
}

}  // namespace
}  // namespace wxfer
