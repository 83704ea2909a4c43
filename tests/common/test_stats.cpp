#include "common/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace wxfer {
namespace {

TEST(Percentile, LinearBetweenClosestRanks) {
  EXPECT_DOUBLE_EQ(percentile({3, 1, 2}, 0.5), 2.0);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(percentile({7}, 0.9), 7.0);
  EXPECT_DOUBLE_EQ(percentile({10, 20, 30, 40, 50}, 0.1), 14.0);
  EXPECT_TRUE(std::isnan(percentile({}, 0.5)));
}

TEST(Median, IsTheHalfPercentile) {
  EXPECT_DOUBLE_EQ(median({5, 1, 9}), 5.0);
  EXPECT_DOUBLE_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(MedianPosition, LowerMiddleForEvenCounts) {
  EXPECT_EQ(median_position(1), 0u);
  EXPECT_EQ(median_position(4), 1u);
  EXPECT_EQ(median_position(5), 2u);
}

}  // namespace
}  // namespace wxfer
