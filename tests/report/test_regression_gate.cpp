// The gate passes on identical files and trips, naming run and stage, on a 2x slower copy;
// runs without steps, with unverified steps, missing on either side, and empty files fail.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "report/regression_gate.hpp"
#include "report/run_stats.hpp"
#include "sample_runs.hpp"

namespace wxfer::report {
namespace {

std::vector<RunStats> stats(const RunFile& f) { return compute_file_stats(f, "f.h5"); }

// The hand-made run with every step verified (its fifth step is not, for the report's
// "verified" column), so that the gate compares it.
RunFile verified_run() {
  RunFile f = testing::hand_made_run();
  for (auto& step : f.runs[0].steps) step.verified = 1;
  return f;
}

TEST(RegressionGate, IdenticalPasses) {
  const RunFile f = verified_run();
  const GateResult gate = compare_runs(stats(f), stats(f), 0.1);
  ASSERT_EQ(gate.rows.size(), 1u);
  EXPECT_EQ(gate.rows[0].status, GateStatus::ok);
  EXPECT_EQ(gate.rows[0].metric, "efficiency");
  EXPECT_DOUBLE_EQ(gate.rows[0].change, 0.0);
  EXPECT_TRUE(gate.passed(true));
  EXPECT_EQ(gate.failure_line(true), "");
}

TEST(RegressionGate, TwiceAsSlowTripsAndNamesStage) {
  const RunFile base = verified_run();
  RunFile slow = base;
  testing::stretch_run(slow.runs[0], 2.0);
  const GateResult gate = compare_runs(stats(base), stats(slow), 0.1);
  ASSERT_EQ(gate.rows.size(), 1u);
  const GateRow& row = gate.rows[0];
  EXPECT_EQ(row.status, GateStatus::regressed);
  EXPECT_NEAR(row.change, -0.5, 1e-12);
  EXPECT_EQ(row.grown_stage, "bcast");  // union 0.9 s -> 1.8 s, the largest growth
  EXPECT_NEAR(row.grown_seconds, 0.9, 1e-9);
  const std::string line = gate.failure_line(false);
  EXPECT_NE(line.find("'broadcast' efficiency 33.3% -> 16.7%"), std::string::npos) << line;
  EXPECT_NE(line.find("stage 'bcast' grew most"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(RegressionGate, AllowanceIsRespected) {
  const RunFile base = verified_run();
  RunFile slower = base;
  testing::stretch_run(slower.runs[0], 1.05);  // efficiency drops 4.8%
  EXPECT_TRUE(compare_runs(stats(base), stats(slower), 0.10).passed(false));
  EXPECT_FALSE(compare_runs(stats(base), stats(slower), 0.04).passed(false));
}

TEST(RegressionGate, WithoutBoundComparesMedianTime) {
  RunFile base = verified_run();
  base.runs[0].lower_bound_seconds = 0;
  RunFile slow = base;
  testing::stretch_run(slow.runs[0], 2.0);
  const GateResult gate = compare_runs(stats(base), stats(slow), 0.1);
  EXPECT_EQ(gate.rows[0].metric, "speed");
  EXPECT_EQ(gate.rows[0].status, GateStatus::regressed);
  EXPECT_NE(gate.failure_line(false).find("median time 1.500 s -> 3.000 s"), std::string::npos);
}

TEST(RegressionGate, RunsInOneFileOnlyFailUnlessIgnored) {
  const RunFile base = testing::synthetic_benchmark(1.0, false);
  RunFile fresh = base;
  fresh.runs.erase(fresh.runs.begin());  // gather gone
  fresh.runs[0].label = "broadcast-v2";  // renamed: new only, and broadcast gone
  const GateResult gate = compare_runs(stats(base), stats(fresh), 0.1);
  ASSERT_EQ(gate.rows.size(), 4u);
  EXPECT_EQ(gate.rows[0].status, GateStatus::only_in_base);
  EXPECT_EQ(gate.rows[1].status, GateStatus::only_in_base);
  EXPECT_EQ(gate.rows[2].status, GateStatus::ok);
  EXPECT_EQ(gate.rows[3].status, GateStatus::only_in_new);
  EXPECT_FALSE(gate.passed(false));
  EXPECT_TRUE(gate.passed(true));
  const std::string line = gate.failure_line(false);
  EXPECT_NE(line.find("'gather' is missing from the new file"), std::string::npos) << line;
  EXPECT_NE(line.find("'broadcast-v2' is not in the baseline"), std::string::npos) << line;
}

TEST(RegressionGate, ARunWithoutStepsOnEitherSideIsInvalid) {
  const RunFile good = verified_run();
  RunFile bare = good;
  bare.runs[0].steps.clear();
  const RunFile& empty = bare;
  for (const auto& [base, fresh, side] : {std::tuple{&good, &empty, "new file"}, std::tuple{&empty, &good, "baseline"}}) {
    const GateResult gate = compare_runs(stats(*base), stats(*fresh), 0.1);
    ASSERT_EQ(gate.rows.size(), 1u);
    EXPECT_EQ(gate.rows[0].status, GateStatus::invalid);
    EXPECT_FALSE(gate.passed(true)) << "ignoring missing runs must not pass a run without steps";
    EXPECT_EQ(gate.failure_line(true), std::string("regression: 'broadcast' recorded no steps in the ") + side);
  }
}

TEST(RegressionGate, UnverifiedStepsOnEitherSideAreInvalid) {
  const RunFile good = verified_run();
  RunFile partly = good;
  partly.runs[0].steps[1].verified = 0;
  const RunFile& unverified = partly;
  const size_t n = good.runs[0].steps.size();
  for (const auto& [base, fresh, side] :
       {std::tuple{&good, &unverified, "new file"}, std::tuple{&unverified, &good, "baseline"}}) {
    const GateResult gate = compare_runs(stats(*base), stats(*fresh), 0.1);
    EXPECT_EQ(gate.rows[0].status, GateStatus::invalid);
    EXPECT_EQ(gate.failure_line(false), "regression: 'broadcast' has unverified steps in the " + std::string(side) + " (" +
                                            std::to_string(n - 1) + " of " + std::to_string(n) + " verified)");
  }
}

TEST(RegressionGate, AnEmptyFileFails) {
  const RunFile good = verified_run();
  EXPECT_EQ(compare_runs(stats(good), {}, 0.1).failure_line(true), "regression gate: the new file holds no runs");
  EXPECT_EQ(compare_runs({}, stats(good), 0.1).failure_line(true), "regression gate: the baseline holds no runs");
}

}  // namespace
}  // namespace wxfer::report
