// Reference baselines: the bytes a strategy moves, through the plainest blocking MPI loop
// (no pipelining, no packing, no copy-out). A step is compared with a baseline pass run
// right after it, so that both meet the machine in the same state. Baselines are not
// strategies: they may call MPI directly, and nothing is verified or recorded inside them.
#pragma once

#include <mpi.h>

#include <memory>

#include <nlohmann/json.hpp>

#include "common/deadline.hpp"
#include "harness/roles.hpp"
#include "plan/plan.hpp"

namespace wxfer {

struct BaselineEnv {
  const Plan& plan;
  const RankLayout& ranks;
  MPI_Comm comm;  // every rank of the job, world-ranked
  int world_rank = 0;
  uint64_t chunk_bytes = 0;
};

class Baseline {
 public:
  virtual ~Baseline() = default;
  // Collective. `strategy_params` are the params() of the strategy it stands beside, so that
  // both move the same bytes in the same pieces (broadcast: its bucket size).
  virtual void setup(const BaselineEnv& env, const nlohmann::json& strategy_params) = 0;
  // Collective: one pass, barrier to barrier; this rank's seconds (the harness takes the max).
  virtual double run_once() = 0;
  // Collective, deadline-bounded: releases communicators.
  virtual void close(const Deadline& deadline) = 0;
};

std::unique_ptr<Baseline> make_gather_baseline();     // gather to trainer 0, then MPI_Send to each receiver
std::unique_ptr<Baseline> make_broadcast_baseline();  // MPI_Bcast per bucket

}  // namespace wxfer
