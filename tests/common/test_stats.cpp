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

TEST(SteadySeries, StopsOnceTheLastWindowAgrees) {
  SteadySeries s({.window = 5, .bound = 0.07, .max_samples = 20});
  for (double v : {5.0, 12.0, 10.0, 10.4, 9.0, 9.6}) {
    s.add(v);
    EXPECT_FALSE(s.done()) << v;
  }
  // 10, 10.4, 9, 9.6, 10.2: quartiles 9.6 and 10.2, median 10: spread 6%; the odd
  // sample (9) does not count against it.
  s.add(10.2);
  EXPECT_TRUE(s.steady());
  EXPECT_TRUE(s.done());
  EXPECT_DOUBLE_EQ(s.value(), 10.0);
  EXPECT_NEAR(s.spread(), 0.06, 1e-12);
  EXPECT_EQ(s.samples(), 7);
}

TEST(SteadySeries, OutOfSamplesKeepsTheTightestWindowAndSaysSo) {
  SteadySeries s({.window = 2, .bound = 0.05, .max_samples = 5});
  for (double v : {10.0, 20.0, 18.0, 30.0, 10.0}) s.add(v);
  EXPECT_TRUE(s.done());
  EXPECT_FALSE(s.steady());
  // Two samples: quartiles at a quarter and three quarters of the way; spread = half the
  // range over the mean. Windows: {10,20} 0.33, {20,18} 0.053, {18,30} 0.25, {30,10} 0.5.
  EXPECT_DOUBLE_EQ(s.value(), 19.0);
  EXPECT_NEAR(s.spread(), 1.0 / 19.0, 1e-12);
}

TEST(SteadySeries, EveryFigureMustAgree) {
  SteadySeries s({.window = 2, .bound = 0.10, .max_samples = 10}, 2);
  s.add({10.0, 1.0});
  s.add({10.1, 2.0});  // the first figure agrees, the second does not
  EXPECT_FALSE(s.steady());
  s.add({10.2, 2.1});
  EXPECT_TRUE(s.steady());
  EXPECT_DOUBLE_EQ(s.value(1), 2.05);
}

TEST(SteadySeries, OneSampleWindowIsSteadyAtOnce) {
  SteadySeries s({.window = 1, .bound = 0.0, .max_samples = 1});
  s.add(3.0);
  EXPECT_TRUE(s.steady());
  EXPECT_DOUBLE_EQ(s.spread(), 0.0);
}

}  // namespace
}  // namespace wxfer
