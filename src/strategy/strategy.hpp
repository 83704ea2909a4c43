// A weight-update strategy is written only against the plan, the transport (data) and the
// control plane (agreement); no MPI call and no machine workaround inside. The harness owns
// warm-up, steps, timing, the commit barrier, verification, recording, the reference
// baseline and process placement.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "baseline/baseline.hpp"
#include "control/control.hpp"
#include "harness/inference_memory.hpp"
#include "harness/recorder.hpp"
#include "harness/roles.hpp"
#include "harness/traffic_tap.hpp"
#include "harness/trainer_shards.hpp"
#include "plan/plan.hpp"
#include "transport/transport.hpp"

namespace wxfer {

struct StrategyOptions {
  uint64_t bucket_bytes = 0;       // broadcast; 0: sized from free memory
  uint64_t chunk_bytes = 8 << 20;  // pipeline unit
  uint64_t max_tmp_bytes = 0;      // sender pipeline's temporary memory; 0: room for a few chunks
  bool offloaded = false;          // trainer weights sit in an offload buffer: stage in every box
  double timeout_seconds = 300;    // every blocking wait
  // Sparse updates (strategies whose entry says sends_deltas): after a first full update, send
  // only the elements that changed since the version the receivers hold (docs/sparse.md).
  bool delta = false;
  uint32_t full_every = 0;  // with delta: a full update at every version divisible by this; 0: only the first
};

// What a delta update moved, where it differs from the plan's full update.
struct StepDelta {
  bool full = true;                    // this step sent everything (the first, or a --full-every step)
  Traffic wire;                        // bytes written to each receiver (world rank): patches and whole segments
  Traffic covered;                     // plan bytes that those bring up to date, per receiver: must be the plan's
  uint64_t elements = 0, changed = 0;  // elements compared on this sender, and those that changed
};

// What a strategy sees on one rank. Exactly one of shards / memory is set.
struct StrategyEnv {
  const Plan& plan;
  const RankLayout& ranks;
  Transport& transport;
  const Control& control;
  Recorder& recorder;
  TrainerShards* shards = nullptr;    // trainer ranks
  InferenceMemory* memory = nullptr;  // inference ranks
  int world_rank = 0;
  StrategyOptions options;

  bool is_trainer() const { return shards != nullptr; }
  Deadline deadline() const { return Deadline::after(options.timeout_seconds); }
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Once, collectively, before any step: schedules, buffers, windows.
  virtual void setup(StrategyEnv& env) = 0;
  // One full update to version `step`, on every rank; returns when this rank's part is
  // done (the harness then runs the commit barrier).
  virtual void update(StrategyEnv& env, uint32_t step) = 0;
  // After the commit barrier, on every rank: what the new version still needs before it is
  // usable (a delta's patches written into the receivers' weights); part of the update time.
  // A problem found (a malformed patch) fails the step as a verification failure does.
  virtual std::optional<std::string> apply(StrategyEnv&, uint32_t) { return std::nullopt; }
  // With delta updates: what the last update() sent; nullopt where it sent the plan's bytes.
  virtual std::optional<StepDelta> step_delta() const { return std::nullopt; }
  // Once, collectively, after the last step: releases windows and groups within the
  // deadline. Destructors make no collective calls (a failed run skips this).
  virtual void close(StrategyEnv& env, const Deadline& deadline) = 0;
  // After setup(): what this rank sends to each inference rank (world rank) in one update,
  // from the plan as this strategy uses it. The harness holds the transport's counted
  // traffic against it after every step.
  virtual Traffic expected_traffic(const StrategyEnv& env) const = 0;
  // Parameters worth recording (bucket size, number of buckets, ...); a baseline reads them.
  virtual nlohmann::json params() const { return nlohmann::json::object(); }
};

struct StrategyEntry {
  const char* name;
  const char* description;
  const char* default_transport;
  TransportCapabilities needs;
  bool sends_deltas;  // honours StrategyOptions::delta
  std::unique_ptr<Strategy> (*make)();
  // The raw MPI loop over the same bytes that a step is compared with; nullptr: none.
  std::unique_ptr<Baseline> (*make_baseline)();
};

// The one list of strategies, in the order `all` runs them: run, sim, the CLI and the tests
// read it.
const std::vector<StrategyEntry>& strategy_registry();
const StrategyEntry& find_strategy(const std::string& name);  // UsageError if unknown
// "gather, broadcast, rdma or all": what --strategy accepts, for help and error texts.
std::string strategy_choices();
// --strategy's value: one name, or "all" for every strategy in order. UsageError naming the
// value when it is neither.
std::vector<const StrategyEntry*> select_strategies(const std::string& value, const std::string& option = "--strategy");

}  // namespace wxfer
