// Run files for tests: one small hand-made run whose statistics are worked out by hand in
// test_run_stats.cpp, and a synthetic three-strategy benchmark for CLI, trace and plots.
#pragma once

#include <string>

#include "record/run_record.hpp"

namespace wxfer::testing {

Event event(int32_t rank, int32_t step, const char* stage, double t_begin, double t_end, uint64_t bytes = 0, int32_t peer = -1,
            int32_t bucket = -1);

// 2 trainer + 2 inference ranks, one run "broadcast" with 5 steps; see test_run_stats.cpp.
RunFile hand_made_run();

// gather, broadcast and rdma on 4 + 4 ranks, 5 steps each. `slowdown` stretches every
// step and event (2.0 = twice as slow). `sweep` adds broadcast@bucket=... groups whose
// params differ in bucket_bytes.
RunFile synthetic_benchmark(double slowdown, bool sweep);

// Every time in `run` stretched by `factor` around each step's start (a doctored copy).
void stretch_run(StrategyRun& run, double factor);

}  // namespace wxfer::testing
