#include "harness/watchdog.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

namespace wxfer {
namespace {

TEST(WatchdogDeathTest, APhaseOutlivingItsDeadlineEndsTheProcessNamingIt) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        Watchdog dog(3, "host-a", 0.1);
        Watchdog::Phase phase(&dog, "rdma: step 7: the commit", Deadline::after(0.2));
        std::this_thread::sleep_for(std::chrono::seconds(30));  // a wait nothing else ends
      },
      testing::ExitedWithCode(kWatchdogExit),
      "wxfer: error: rank 3 on host-a: no progress for 1.05 s \\(--timeout\\) in rdma: step 7: the commit; ending the job");
}

TEST(WatchdogDeathTest, APhaseReplacedByALaterOneDoesNotEndTheWatch) {
  testing::FLAGS_gtest_death_test_style = "threadsafe";
  EXPECT_EXIT(
      {
        Watchdog dog(0, "host-c", 0.1);
        auto earlier = std::make_unique<Watchdog::Phase>(&dog, "gather: set-up", Deadline::after(60));
        // As `watched = make_unique<Phase>(...)`: the later phase begins, then the earlier ends.
        auto later = std::make_unique<Watchdog::Phase>(&dog, "gather: step 0: the update", Deadline::after(0.2));
        earlier.reset();
        std::this_thread::sleep_for(std::chrono::seconds(30));
      },
      testing::ExitedWithCode(kWatchdogExit),
      "rank 0 on host-c: no progress for 0.3 s \\(--timeout\\) in gather: step 0: the update");
}

TEST(Watchdog, PhasesThatEndInTimeAndIdleTimeAreLeftAlone) {
  Watchdog dog(0, "host-b", 0.05);
  {
    Watchdog::Phase phase(&dog, "set-up", Deadline::after(0.2));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Unwatched between phases, however long.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    Watchdog::Phase phase(&dog, "step 0", Deadline::after(0.2));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Watchdog::Phase unwatched(nullptr, "no watchdog", Deadline::after(0));
  SUCCEED();  // still here
}

}  // namespace
}  // namespace wxfer
