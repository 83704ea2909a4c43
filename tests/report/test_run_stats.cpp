// The report's numbers against hand_made_run(), worked out by hand below.
//
// Steps (seconds): 1.0 2.0 1.5 3.0 1.2 -> sorted 1.0 1.2 1.5 2.0 3.0.
//   median = 1.5 (step 2); p10 at position 0.4: 1.0 + 0.4*0.2 = 1.08; p90 at 3.6: 2.0 + 0.6*1.0 = 2.6.
//   efficiency = 0.5 / 1.5; landed = 4e9 B / 1.5 s = 2.667 GB/s.
// Bounds per step 0.50 0.51 0.52 0.53 0.54 -> step efficiencies 0.5 0.255 0.3467 0.1767 0.45,
//   median 0.52 / 1.5 (step 2's own).
// Reference loops after steps 0-2 only (1.0 s each): step / reference 1.0 2.0 1.5 -> median 1.5.
// Median step 2, window [10.0, 11.5] (1.5 s); ranks 0,1 trainers, 2,3 inference:
//   r0 pack [10.0,10.2], bcast [10.2,11.0] 2e9 (collective), transfer [10.5,10.8] 0.5e9 -> r3
//   r1 bcast [10.3,10.9] 1e9;  r2 bcast [10.2,11.1] 2e9, copy_out [11.1,11.4]
//   r3 bcast [10.3,11.0] 1e9, copy_out [11.0,11.5], commit [11.3,11.5]   (finishes last)
// Union per stage: pack 0.2, bcast 0.9, transfer 0.3, copy_out 0.5, commit 0.2; overlap 2.1/1.5.
// Critical shares (rank 3): [10.0,10.2] r3 waits, pack runs elsewhere -> pack 0.2;
//   [10.2,10.3] waits, bcast elsewhere -> bcast 0.1; [10.3,11.0] bcast 0.7; [11.0,11.3]
//   copy_out 0.3; [11.3,11.5] copy_out + commit, 0.1 each. Sum 1.5, idle 0.
// Bytes out (trainers): r0 2.5e9, r1 1e9 -> max 2.5e9, mean 1.75e9.
// Bytes in (inference): r2 2e9, r3 1e9 + 0.5e9 -> max 2e9, mean 1.75e9.
// Busy: r0 1.0, r1 0.6, r2 1.2, r3 1.2 -> max 1.2, mean 1.0.
#include <gtest/gtest.h>

#include "report/intervals.hpp"
#include "report/report_format.hpp"
#include "report/run_stats.hpp"
#include "sample_runs.hpp"

namespace wxfer::report {
namespace {

constexpr double kEps = 1e-9;

const StageStats& stage(const RunStats& s, const std::string& name) {
  for (const auto& st : s.stages)
    if (st.stage == name) return st;
  throw std::runtime_error("no stage " + name);
}

RunStats hand_stats() {
  const RunFile f = testing::hand_made_run();
  return compute_run_stats(f.runs[0], f.ranks, "hand.h5");
}

TEST(UnionLength, MergesAndClips) {
  EXPECT_DOUBLE_EQ(union_length({{0, 2}, {1, 3}, {5, 6}}, 0, 10), 4.0);
  EXPECT_DOUBLE_EQ(union_length({{0, 2}, {1, 3}, {5, 6}}, 1.5, 5.5), 2.0);
  EXPECT_DOUBLE_EQ(union_length({}, 0, 1), 0.0);
}

TEST(RunStats, StepTimes) {
  const RunStats s = hand_stats();
  EXPECT_EQ(s.steps, 5u);
  EXPECT_EQ(s.verified_steps, 4u);
  EXPECT_NEAR(s.median_seconds, 1.5, kEps);
  EXPECT_NEAR(s.p10_seconds, 1.08, kEps);
  EXPECT_NEAR(s.p90_seconds, 2.6, kEps);
  ASSERT_TRUE(s.efficiency.has_value());
  EXPECT_NEAR(*s.efficiency, 1.0 / 3.0, kEps);
  ASSERT_TRUE(s.step_efficiency.has_value());
  EXPECT_NEAR(*s.step_efficiency, 0.52 / 1.5, kEps);
  ASSERT_TRUE(s.step_reference_ratio.has_value());
  EXPECT_NEAR(*s.step_reference_ratio, 1.5, kEps);
  ASSERT_TRUE(s.landed_gbps.has_value());
  EXPECT_NEAR(*s.landed_gbps, 4.0 / 1.5, kEps);
  EXPECT_EQ(s.median_step, 2);
  EXPECT_NEAR(s.median_step_seconds, 1.5, kEps);
}

TEST(RunStats, OperationsOfTheMedianStepByKind) {
  const RunStats s = hand_stats();
  ASSERT_EQ(s.ops.size(), 2u);  // step 1's broadcast rows are not in step 2
  const OpStats& b = s.ops[0];
  EXPECT_EQ(b.kind, "broadcast");
  EXPECT_EQ(b.ops, 5u);
  EXPECT_EQ(b.bytes, 3u * 300'000 + (64u << 20) + (8u << 20));
  EXPECT_EQ(b.busiest_rank_ops, 4u);
  EXPECT_EQ(b.smallest_class, 18);
  EXPECT_EQ(b.median_class, 18);  // 3 of the 5 are in class 18
  EXPECT_EQ(b.largest_class, 26);
  EXPECT_EQ(s.ops[1].kind, "recv");
  EXPECT_EQ(s.ops[1].ops, 2u);
  EXPECT_NE(markdown_report({s}).find(
                "| broadcast | broadcast | 5 | 4 | 72.86 MiB | 14.57 MiB | 256.00 KiB | 256.00 KiB | 64.00 MiB |"),
            std::string::npos)
      << markdown_report({s});
}

TEST(RunStats, StageBreakdownOfMedianStep) {
  const RunStats s = hand_stats();
  ASSERT_EQ(s.stages.size(), 5u);  // stage_in (set-up) and step 1's bcast are not in step 2
  EXPECT_EQ(s.stages[0].stage, "pack");
  EXPECT_EQ(s.stages[1].stage, "bcast");
  EXPECT_EQ(s.critical_rank, 3);
  EXPECT_NEAR(stage(s, "pack").union_seconds, 0.2, kEps);
  EXPECT_NEAR(stage(s, "bcast").union_seconds, 0.9, kEps);
  EXPECT_NEAR(stage(s, "transfer").union_seconds, 0.3, kEps);
  EXPECT_NEAR(stage(s, "copy_out").union_seconds, 0.5, kEps);
  EXPECT_NEAR(stage(s, "commit").union_seconds, 0.2, kEps);
  EXPECT_NEAR(s.overlap, 2.1 / 1.5, kEps);
  EXPECT_NEAR(stage(s, "pack").critical_seconds, 0.2, kEps);
  EXPECT_NEAR(stage(s, "bcast").critical_seconds, 0.8, kEps);
  EXPECT_NEAR(stage(s, "transfer").critical_seconds, 0.0, kEps);
  EXPECT_NEAR(stage(s, "copy_out").critical_seconds, 0.4, kEps);
  EXPECT_NEAR(stage(s, "commit").critical_seconds, 0.1, kEps);
  EXPECT_NEAR(s.idle_seconds, 0.0, kEps);
  EXPECT_NEAR(stage(s, "bcast").busy_seconds, 0.8 + 0.6 + 0.9 + 0.7, kEps);
  EXPECT_EQ(stage(s, "bcast").bytes, 6'000'000'000u);
  EXPECT_EQ(stage(s, "bcast").events, 4u);
  // One rank per bcast event: the longest is the most one rank spent in the stage.
  EXPECT_NEAR(stage(s, "bcast").rank_max_seconds, 0.9, kEps);
  EXPECT_EQ(s.slowest_stage, "bcast");
  EXPECT_NEAR(s.slowest_stage_seconds, 0.9, kEps);
}

TEST(RunStats, TrafficAndSkew) {
  const RunStats s = hand_stats();
  EXPECT_NEAR(s.bytes_out.max, 2.5e9, 1);
  EXPECT_NEAR(s.bytes_out.mean, 1.75e9, 1);
  EXPECT_NEAR(s.bytes_in.max, 2.0e9, 1);
  EXPECT_NEAR(s.bytes_in.mean, 1.75e9, 1);
  EXPECT_NEAR(s.busy_seconds.max, 1.2, kEps);
  EXPECT_NEAR(s.busy_seconds.mean, 1.0, kEps);
  EXPECT_NEAR(s.busy_seconds.skew(), 1.2, kEps);
}

TEST(RunStats, CriticalSharesAndIdleSumToWall) {
  const RunFile f = testing::synthetic_benchmark(1.0, false);
  for (const auto& run : f.runs) {
    const RunStats s = compute_run_stats(run, f.ranks, "bench.h5");
    double sum = s.idle_seconds;
    for (const auto& st : s.stages) sum += st.critical_seconds;
    EXPECT_NEAR(sum, s.median_step_seconds, 1e-9) << run.label;
  }
}

TEST(RunStats, NoStepsAndNoBound) {
  RunFile f = testing::hand_made_run();
  f.runs[0].steps.clear();
  RunStats s = compute_run_stats(f.runs[0], f.ranks, "x.h5");
  EXPECT_EQ(s.steps, 0u);
  EXPECT_FALSE(s.efficiency.has_value());
  EXPECT_TRUE(s.stages.empty());

  f = testing::hand_made_run();
  f.runs[0].lower_bound_seconds = 0;
  s = compute_run_stats(f.runs[0], f.ranks, "x.h5");
  EXPECT_FALSE(s.efficiency.has_value());
  EXPECT_TRUE(s.landed_gbps.has_value());

  // A step without its bound (a file from before steps carried it): no per-step efficiency.
  f = testing::hand_made_run();
  f.runs[0].steps[3].bound_seconds = 0;
  s = compute_run_stats(f.runs[0], f.ranks, "x.h5");
  EXPECT_TRUE(s.efficiency.has_value());
  EXPECT_FALSE(s.step_efficiency.has_value());

  // No reference loop ran (rdma): no step / reference.
  f = testing::hand_made_run();
  for (auto& step : f.runs[0].steps) step.reference_seconds = 0;
  s = compute_run_stats(f.runs[0], f.ranks, "x.h5");
  EXPECT_FALSE(s.step_reference_ratio.has_value());
}

}  // namespace
}  // namespace wxfer::report

namespace wxfer::report {
namespace {

TEST(MarkdownSummary, RatioToTheRawReferenceLoop) {
  RunStats s = hand_stats();
  s.metrics["reference_seconds"] = 1.2;  // median 1.5 s -> 1.25
  RunStats no_ref = hand_stats();
  no_ref.label = "rdma";
  no_ref.metrics.clear();
  const std::string table = markdown_summary({s, no_ref});
  EXPECT_NE(table.find("| 33.3% | 1.200 s | 1.25 |"), std::string::npos) << table;
  EXPECT_NE(table.find("| rdma |"), std::string::npos) << table;
  EXPECT_NE(table.find("| 33.3% | - | - |"), std::string::npos) << table;
}

}  // namespace
}  // namespace wxfer::report
