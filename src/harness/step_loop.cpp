#include "harness/step_loop.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/stats.hpp"
#include "harness/traffic_tap.hpp"
#include "record/stages.hpp"

namespace wxfer {
namespace {

// --inject stall|kill: this rank stops as a hung or crashed process would, mid-job; the other
// ranks' deadlines and the watchdogs must end the job.
void stop_if_injected(Fault::Kind kind) {
  if (kind == Fault::Kind::kill) {
    std::fflush(nullptr);
    std::raise(SIGKILL);
  }
  if (kind == Fault::Kind::stall)
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace

StrategyRun run_strategy(const StrategyEntry& entry, StrategyEnv& caller_env, const StepLoopSettings& settings,
                         uint32_t& version) {
  // The strategy moves bytes through a tap that counts them (traffic held against the plan).
  TrafficTap tap(caller_env.transport, caller_env.ranks, caller_env.plan, settings.fault);
  StrategyEnv env{caller_env.plan,    caller_env.ranks,      tap,
                  caller_env.control, caller_env.recorder,   caller_env.shards,
                  caller_env.memory,  caller_env.world_rank, caller_env.options};
  Recorder& rec = env.recorder;
  const Control& control = env.control;
  auto strategy = entry.make();
  StrategyRun out;
  out.label = entry.name;
  out.strategy = entry.name;
  out.transport = std::string(env.transport.name());
  out.bytes_per_step = env.plan.stats().total_bytes;

  Watchdog* dog = settings.watchdog;
  // One watched phase at a time, each replacing the one before.
  std::unique_ptr<Watchdog::Phase> watched;
  const auto phase = [&](const std::string& what) {
    watched = std::make_unique<Watchdog::Phase>(dog, std::string(entry.name) + ": " + what, env.deadline());
  };
  phase("set-up");
  rec.clear();
  rec.set_step(-1);
  double t0 = rec.now();
  strategy->setup(env);
  control.barrier(env.deadline());
  rec.record(stage::setup, -1, -1, 0, t0, rec.now());
  const Traffic expected = strategy->expected_traffic(env);
  tap.take();
  env.transport.ops().take();  // set-up's exchanges are not a step's

  std::unique_ptr<Baseline> baseline;
  if (settings.reference_repeats > 0 && entry.make_baseline != nullptr) {
    baseline = entry.make_baseline();
    baseline->setup({env.plan, env.ranks, control.comm(), env.world_rank, env.options.chunk_bytes}, strategy->params());
  }

  std::vector<double> bounds, refs;
  for (int32_t i = 0; i < settings.warmup + settings.steps; ++i) {
    const bool measured = i >= settings.warmup;
    const int32_t step = i - settings.warmup;  // warm-up steps are negative and dropped
    const uint32_t v = ++version;
    const std::string step_name = "step " + std::to_string(step) + (measured ? "" : " (warm-up)");
    phase(step_name + ": measuring the copy bound");
    const double bound = measured && settings.bound_seconds ? settings.bound_seconds() : 0.0;
    if (bound > 0) bounds.push_back(bound);
    if (env.is_trainer()) env.shards->fill(v);  // the training step's output: not timed
    phase(step_name + ": the go barrier");
    control.barrier(env.deadline());  // the "go"
    rec.set_step(step);
    tap.set_step(step);
    const double go = rec.now();
    phase(step_name + ": the update");
    if (measured && step == settings.fault.step && env.world_rank == settings.fault.rank) stop_if_injected(settings.fault.kind);
    if (settings.cores != nullptr) settings.cores->busy();
    strategy->update(env, v);
    if (settings.cores != nullptr) settings.cores->idle();
    const double t_commit = rec.now();
    // Receivers of a one-sided update wait here for all of it: they nap soon rather than yield,
    // unless the puts progress only in their own MPI calls (then they poll longer first).
    phase(step_name + ": the commit");
    control.barrier(env.deadline(), env.transport.puts_need_target_progress() ? Waiting::eager : Waiting::patient);
    const double t_apply = rec.now();
    rec.record(stage::commit, -1, -1, 0, t_commit, t_apply);
    // What the new version still needs before it is usable (a delta's patches applied).
    phase(step_name + ": applying the update");
    std::optional<std::string> failure;
    if (auto bad = strategy->apply(env, v)) failure = "at step " + std::to_string(v) + ": " + *bad;
    const double done = rec.now();
    // Ranks see the commit up to a nap apart; one that verifies (a CPU-heavy pass) before the
    // others have seen it takes their cores and delays their `done`. Verification waits
    // until every rank is done.
    control.barrier(env.deadline(), Waiting::patient);

    // What this rank sent into inference ranks, against the plan; then every byte received.
    // A delta step covers the plan's bytes with patches and whole segments: those must be the
    // plan's, and the bytes sent what the encoding accounts for.
    const Traffic sent = tap.take();
    rec.record_ops(env.transport.ops().take());
    const std::optional<StepDelta> delta = strategy->step_delta();
    const Traffic& should_send = delta ? delta->wire : expected;
    std::optional<std::string> wrong;
    if (delta)
      if (auto bad = traffic_mismatch(env.world_rank, delta->covered, expected, env.ranks))
        wrong = "the plan's bytes a delta step covered (as patches or whole) differ: " + *bad;
    if (!wrong)
      wrong = traffic_mismatch(env.world_rank, sent, should_send, env.ranks,
                               delta ? "its delta encoding accounts for" : "the plan assigns");
    if (wrong && !failure) failure = "at step " + std::to_string(v) + ": " + *wrong;
    phase(step_name + ": verification");
    bool verified_here = false;
    if (settings.verify && !env.is_trainer() && !failure) {
      const double tv = rec.now();
      if (auto bad = env.memory->verify(v))
        failure = bad->describe(v);
      else
        verified_here = true;
      rec.record(stage::verify, -1, -1, env.memory->bytes(), tv, rec.now());
    }
    if (auto first = control.first_failure(failure, env.deadline())) throw VerificationFailed(*first);
    uint64_t delivered = 0;
    for (const auto& [peer, bytes] : sent) delivered += bytes;
    const auto landed = static_cast<uint64_t>(control.sum(static_cast<double>(delivered), env.deadline()));
    // Verified: every inference rank compared every byte it holds, and found it right.
    const auto checked = static_cast<int>(control.sum(verified_here ? 1.0 : 0.0, env.deadline()));
    // Delta steps (only a run with --delta has any): what changed and what a whole update sends.
    bool delta_step = false;
    double compared = 0, changed = 0;
    uint64_t whole_bytes = 0;
    if (env.options.delta) {
      uint64_t covered = 0;
      if (delta)
        for (const auto& [peer, bytes] : delta->covered) covered += bytes;
      delta_step = control.max(delta && !delta->full ? 1.0 : 0.0, env.deadline()) > 0;
      compared = control.sum(delta ? static_cast<double>(delta->elements) : 0.0, env.deadline());
      changed = control.sum(delta ? static_cast<double>(delta->changed) : 0.0, env.deadline());
      whole_bytes = static_cast<uint64_t>(control.sum(static_cast<double>(covered), env.deadline()));
    }

    // Update time on the aligned clock: first "go" to the last rank's commit.
    const double t_begin = -control.max(-rec.aligned(go), env.deadline());
    const double t_end = control.max(rec.aligned(done), env.deadline());
    if (!measured) {
      rec.clear();
      continue;
    }
    StepRecord s;
    s.step = step;
    s.t_begin = t_begin;
    s.t_end = t_end;
    s.seconds = s.t_end - s.t_begin;
    s.bytes_landed = landed;
    s.verified = checked == env.ranks.inference ? 1 : 0;
    s.bound_seconds = bound;
    s.delta = delta_step ? 1 : 0;
    s.changed_fraction = delta_step && compared > 0 ? changed / compared : -1;
    s.whole_bytes = delta_step ? whole_bytes : 0;
    out.steps.push_back(s);
    if (env.world_rank == 0 && settings.on_step != nullptr) settings.on_step(out.label, s, out.bytes_per_step, settings.steps);

    // The baseline right after the step (up to reference_repeats times), so that it meets
    // the machine in the same state as the step it is compared with.
    if (baseline && static_cast<int32_t>(refs.size()) < settings.reference_repeats) {
      phase(step_name + ": the reference loop");
      const double slowest = control.max(baseline->run_once(), env.deadline());
      refs.push_back(slowest);
      out.steps.back().reference_seconds = slowest;
    }
  }
  phase("teardown");
  const Deadline teardown = env.deadline();
  if (baseline) baseline->close(teardown);
  strategy->close(env, teardown);
  if (!refs.empty()) out.metrics["reference_seconds"] = median(refs);
  if (!bounds.empty()) {
    out.lower_bound_seconds = median(bounds);
    out.metrics["bound_samples"] = static_cast<double>(bounds.size());
    out.metrics["bound_min_seconds"] = *std::min_element(bounds.begin(), bounds.end());
    out.metrics["bound_max_seconds"] = *std::max_element(bounds.begin(), bounds.end());
  }
  out.params = strategy->params();
  out.params["transport_settings"] = env.transport.settings();
  out.events = rec.gather_to_root(control.comm());
  out.ops = rec.gather_ops_to_root(control.comm());
  return out;
}

}  // namespace wxfer
