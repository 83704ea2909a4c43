// The harness's loop around one strategy: set-up, warm-up, timed steps with the "go" and the
// commit barrier, verification after each step (not timed), the reference baseline right
// after each step, explicit teardown, and the gathering of every rank's events. The strategy
// supplies only setup(), update() and close().
#pragma once

#include <cstdint>
#include <functional>

#include "harness/core_spreader.hpp"
#include "harness/traffic_tap.hpp"
#include "harness/watchdog.hpp"
#include "record/run_record.hpp"
#include "strategy/strategy.hpp"

namespace wxfer {

struct StepLoopSettings {
  int32_t steps = 5;
  int32_t warmup = 1;
  bool verify = true;
  int32_t reference_repeats = 5;  // at most one baseline pass after each measured step
  // Called on rank 0 after each measured step (progress lines); `must_land` is the bytes the
  // plan must land per update.
  void (*on_step)(const std::string& label, const StepRecord& step, uint64_t must_land, int32_t steps) = nullptr;
  // Collective, before each measured step: that step's lower bound (seconds), measured on
  // the machine as it is right then; the run's bound is their median. A shared machine's
  // speed drifts between minutes, so a bound measured once at start-up does not describe
  // steps taken later. Empty: the caller sets the bound.
  std::function<double()> bound_seconds;
  // Keeps this rank's update spread over the node's cores while it runs (nullptr: leave
  // placement to the kernel).
  CoreSpreader* cores = nullptr;
  // A fault to inject into the strategy's transfers (wxfer run --inject); none by default.
  Fault fault;
  // Ends the job when a phase of the loop outlives --timeout (nullptr: not watched).
  Watchdog* watchdog = nullptr;
};

// Collective over all ranks. `version` numbers the weight versions across strategies so
// that no strategy can pass on bytes a previous one left behind. Rank 0 gets the filled
// StrategyRun (steps, events, params, metrics); other ranks get steps only.
StrategyRun run_strategy(const StrategyEntry& entry, StrategyEnv& env, const StepLoopSettings& settings, uint32_t& version);

}  // namespace wxfer
