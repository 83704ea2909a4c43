// The prepare thread runs jobs in order, wait() sees their effects, and a failing job's
// exception reaches the waiting main thread.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "strategy/pipeline/prepare_worker.hpp"

namespace wxfer {
namespace {

TEST(PrepareWorker, RunsJobsInSubmissionOrder) {
  PrepareWorker worker;
  std::vector<int> order;
  uint64_t last = 0;
  for (int i = 0; i < 100; ++i) last = worker.submit([&order, i] { order.push_back(i); });
  worker.wait(last);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(PrepareWorker, WaitRethrowsAJobsException) {
  PrepareWorker worker;
  const uint64_t bad = worker.submit([] { throw std::runtime_error("quantize failed"); });
  EXPECT_THROW(worker.wait(bad), std::runtime_error);
}

TEST(PrepareWorker, DestructionWithQueuedJobsFinishesThem) {
  int ran = 0;
  {
    PrepareWorker worker;
    for (int i = 0; i < 10; ++i) worker.submit([&ran] { ++ran; });
  }
  EXPECT_EQ(ran, 10);
}

}  // namespace
}  // namespace wxfer
