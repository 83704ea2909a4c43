#include "harness/time_window.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace wxfer {
namespace {

// bytes_within is about time, but what it returns is bounded by how many steps it started,
// whatever the scheduler does: every step but the last counts whole, the last in part.

TEST(BytesWithin, AWindowAlreadyClosedMovesNothing) {
  int steps = 0;
  EXPECT_EQ(bytes_within(now_seconds() - 1, 100, [&] { ++steps; }), 0);
  EXPECT_EQ(steps, 0);
}

TEST(BytesWithin, CountsWholeStepsAndThePartOfTheLastInsideTheWindow) {
  int steps = 0;
  const double moved = bytes_within(now_seconds() + 0.03, 100, [&] {
    ++steps;
    std::this_thread::sleep_for(std::chrono::milliseconds(4));
  });
  ASSERT_GE(steps, 1);
  EXPECT_LE(moved, 100.0 * steps);
  EXPECT_GE(moved, 100.0 * (steps - 1));
}

TEST(BytesWithin, AStepThatOutlastsTheWindowCountsInProportion) {
  int steps = 0;
  const double moved = bytes_within(now_seconds() + 0.005, 1000, [&] {
    ++steps;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  });
  ASSERT_LE(steps, 1);  // the first step ends past the window
  if (steps == 0) GTEST_SKIP() << "descheduled past the 5 ms window before the first step";
  EXPECT_GT(moved, 0);
  EXPECT_LT(moved, 1000);
}

}  // namespace
}  // namespace wxfer
