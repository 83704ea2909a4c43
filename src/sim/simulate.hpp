// `wxfer sim`: build the plans once, replay each strategy on the modelled cluster, and
// collect a RunFile (kind "sim") plus a summary per strategy and configuration.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "plan/plan.hpp"
#include "record/run_record.hpp"
#include "sim/cluster.hpp"
#include "sim/schedule.hpp"

namespace wxfer {

struct SimRequest {
  ClusterSpec cluster;
  TrainerLayout trainer;
  InferenceLayout inference;
  PlanOptions plan;                     // link_bandwidth is taken from the cluster
  uint64_t bucket_bytes = 2ull << 30;   // broadcast bucket
  std::vector<std::string> strategies;  // gather, broadcast, rdma
  std::vector<int32_t> inference_gpus;  // sweep: inference ranks (replicas = n / tp); empty: one run
  bool colocated = false;               // inference and training share GPUs (place_ranks)
  // Delta updates (docs/sparse.md): these strategies send only the changed elements, a fraction
  // delta_density of all (< 0: every strategy sends whole updates).
  double delta_density = -1;
  std::vector<std::string> delta_strategies;
};

struct SimRow {
  std::string label, strategy;
  int32_t inference_ranks = 0;
  double seconds = 0;
  double lower_bound_seconds = 0;
  uint64_t events = 0, flows = 0;
  uint64_t digest = 0;  // hash of the timeline: equal inputs give equal digests
  double wall_seconds = 0;
};

struct SimResult {
  RunFile file;
  std::vector<SimRow> rows;
  double plan_seconds = 0;  // wall time spent building plans and schedules
};

SimResult simulate(const Model& trainer_model, const SimRequest& request);

// Busiest NIC's bytes / NIC bandwidth for each strategy (docs/simulation.md).
double rdma_lower_bound(const Plan& plan, const ClusterSpec& c, bool colocated = false);
double broadcast_lower_bound(const std::vector<SimBucket>& buckets, int32_t trainers, const ClusterSpec& c,
                             bool colocated = false, int32_t inference_ranks = 0);
double gather_lower_bound(const Plan& whole, int32_t inference_ranks, const ClusterSpec& c, bool colocated = false);

}  // namespace wxfer
