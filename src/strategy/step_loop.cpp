#include "strategy/step_loop.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/error.hpp"

namespace wxfer {
namespace {

// Rank 0 learns the first failing rank's message; everyone learns that it failed.
void agree_on_verification(const std::optional<VerifyFailure>& failure, uint32_t version, int world_rank) {
  const int mine = failure ? world_rank : INT32_MAX;
  int first = INT32_MAX;
  WXFER_CHECK_MPI(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD));
  if (first == INT32_MAX) return;
  std::string text = failure ? failure->describe(version) : std::string();
  if (first != 0) {
    constexpr int kTag = 4301;
    if (world_rank == first) {
      WXFER_CHECK_MPI(MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, kTag, MPI_COMM_WORLD));
    } else if (world_rank == 0) {
      MPI_Status status;
      int n = 0;
      WXFER_CHECK_MPI(MPI_Probe(first, kTag, MPI_COMM_WORLD, &status));
      WXFER_CHECK_MPI(MPI_Get_count(&status, MPI_CHAR, &n));
      text.resize(static_cast<size_t>(n));
      WXFER_CHECK_MPI(MPI_Recv(text.data(), n, MPI_CHAR, first, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    }
  }
  throw VerificationFailed(text);
}

}  // namespace

StrategyRun run_strategy(const StrategyEntry& entry, StrategyEnv& env, const StepLoopSettings& settings,
                         uint32_t& version) {
  Recorder& rec = env.recorder;
  auto strategy = entry.make();
  StrategyRun out;
  out.label = entry.name;
  out.strategy = entry.name;
  out.transport = std::string(env.transport.name());
  out.bytes_per_step = env.plan.stats().total_bytes;

  rec.clear();
  rec.set_step(-1);
  double t0 = rec.now();
  strategy->setup(env);
  WXFER_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  rec.record("setup", -1, -1, 0, t0, rec.now());

  std::vector<double> bounds, refs;
  bool has_reference = settings.reference_repeats > 0;
  for (int32_t i = 0; i < settings.warmup + settings.steps; ++i) {
    const bool measured = i >= settings.warmup;
    const int32_t step = i - settings.warmup;  // warm-up steps are negative and dropped
    const uint32_t v = ++version;
    const double bound = measured && settings.bound_seconds ? settings.bound_seconds() : 0.0;
    if (bound > 0) bounds.push_back(bound);
    if (env.is_trainer()) env.shards->fill(v);  // the training step's output: not timed
    WXFER_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));  // the "go"
    rec.set_step(step);
    const double go = rec.now();
    if (env.cores != nullptr) env.cores->busy();
    strategy->update(env, v);
    if (env.cores != nullptr) env.cores->idle();
    const double t_commit = rec.now();
    Request commit = env.transport.ibarrier();
    // Receivers of a one-sided update wait here for all of it: they nap rather than yield.
    wait(commit, env.deadline(), Waiting::patient);
    const double done = rec.now();
    rec.record("commit", -1, -1, 0, t_commit, done);
    // Ranks see the commit up to a nap apart; one that verifies (a CPU-heavy pass) before the
    // others have seen it takes their cores and delays their `done`: measured 8-19 ms of an
    // 80 ms rdma step on 2 cores. Verification waits until every rank is done.
    Request settled = env.transport.ibarrier();
    wait(settled, env.deadline(), Waiting::patient);

    std::optional<VerifyFailure> failure;
    if (settings.verify && !env.is_trainer()) {
      const double tv = rec.now();
      failure = env.memory->verify(v);
      rec.record("verify", -1, -1, env.memory->bytes(), tv, rec.now());
    }
    if (settings.verify) agree_on_verification(failure, v, env.world_rank);

    // Update time on the aligned clock: first "go" to the last rank's commit.
    double span[2] = {-rec.aligned(go), rec.aligned(done)}, reduced[2] = {0, 0};
    WXFER_CHECK_MPI(MPI_Allreduce(span, reduced, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
    if (!measured) {
      rec.clear();
      continue;
    }
    StepRecord s;
    s.step = step;
    s.t_begin = -reduced[0];
    s.t_end = reduced[1];
    s.seconds = s.t_end - s.t_begin;
    s.bytes_landed = out.bytes_per_step;
    s.verified = settings.verify ? 1 : 0;
    s.bound_seconds = bound;
    out.steps.push_back(s);
    if (env.world_rank == 0 && settings.on_step != nullptr) settings.on_step(out.label, s, settings.steps);

    // The raw reference loop right after the step (up to reference_repeats times), so that
    // it meets the machine in the same state as the steps it is compared with.
    if (has_reference && static_cast<int32_t>(refs.size()) < settings.reference_repeats) {
      double mine = strategy->reference_seconds(env), slowest = 0;
      has_reference = !std::isnan(mine);  // the same on every rank: a strategy has one or not
      if (has_reference) {
        WXFER_CHECK_MPI(MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
        refs.push_back(slowest);
        out.steps.back().reference_seconds = slowest;
      }
    }
  }
  if (!refs.empty()) {
    std::sort(refs.begin(), refs.end());
    out.metrics["reference_seconds"] = refs[refs.size() / 2];
  }
  if (!bounds.empty()) {
    std::sort(bounds.begin(), bounds.end());
    out.lower_bound_seconds = bounds[(bounds.size() - 1) / 2];
    out.metrics["bound_samples"] = static_cast<double>(bounds.size());
    out.metrics["bound_min_seconds"] = bounds.front();
    out.metrics["bound_max_seconds"] = bounds.back();
  }
  out.params = strategy->params();
  out.params["transport_settings"] = env.transport.settings();
  out.events = rec.gather_to_root(MPI_COMM_WORLD);
  return out;
}

}  // namespace wxfer
