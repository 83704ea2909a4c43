// A weight-update strategy is written only against the plan and the transport. The
// harness owns warm-up, steps, timing, the commit barrier, verification and recording.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/core_spreader.hpp"
#include "harness/inference_memory.hpp"
#include "harness/recorder.hpp"
#include "harness/roles.hpp"
#include "harness/trainer_shards.hpp"
#include "plan/plan.hpp"
#include "transport/transport.hpp"

namespace wxfer {

struct StrategyOptions {
  uint64_t bucket_bytes = 0;        // broadcast; 0: sized from free memory
  uint64_t chunk_bytes = 8 << 20;   // pipeline unit
  uint64_t max_tmp_bytes = 0;       // sender pipeline's temporary memory; 0: room for a few chunks
  bool offloaded = false;           // trainer weights sit in an offload buffer: stage in every box
  double timeout_seconds = 300;     // every blocking wait
};

// What a strategy sees on one rank. Exactly one of shards / memory is set.
struct StrategyEnv {
  const Plan& plan;
  const RankLayout& ranks;
  Transport& transport;
  Recorder& recorder;
  TrainerShards* shards = nullptr;    // trainer ranks
  InferenceMemory* memory = nullptr;  // inference ranks
  int world_rank = 0;
  StrategyOptions options;
  CoreSpreader* cores = nullptr;      // oversubscribed nodes: busy ranks spread over the cores

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
  // A raw MPI loop over the same bytes, for the efficiency comparison; NaN if none.
  virtual double reference_seconds(StrategyEnv& env);
  // Parameters worth recording (bucket size, number of buckets, ...).
  virtual nlohmann::json params() const { return nlohmann::json::object(); }
};

struct StrategyEntry {
  const char* name;
  const char* description;
  const char* default_transport;
  TransportCapabilities needs;
  std::unique_ptr<Strategy> (*make)();
};

const std::vector<StrategyEntry>& strategy_registry();
const StrategyEntry& find_strategy(const std::string& name);  // UsageError if unknown

}  // namespace wxfer
